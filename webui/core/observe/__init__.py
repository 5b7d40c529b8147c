"""Observability: the request scope (request id, upstream time), Prometheus metrics, OpenTelemetry spans, logs."""
