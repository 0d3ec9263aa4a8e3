"""footnote's grounded-answer evaluation: dataset, judge, metrics and the CI gate."""
