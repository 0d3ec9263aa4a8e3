"""footnote's service: settings, the answer pipeline, the HTTP API and the command line."""
