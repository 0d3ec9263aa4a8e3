"""footnote: question answering over articles where every sentence cites an exact source span.

One importable distribution, three stages (see the README's "Layout"): `footnote.index` (files in,
chunks and vectors out), `footnote.service` (a question in, a cited answer out, over HTTP and the
CLI) and `footnote.eval` (the grounded-answer gates). The stage folders stay at the top of the
repository, where the design put them; this package reaches them through relative links, so that
nothing installs top-level modules named `index`, `service` or `eval` (the last shadows a builtin).
"""
