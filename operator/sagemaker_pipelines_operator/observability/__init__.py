"""Observability of the operator: /metrics and health endpoints, JSON logs, alert rules and the
Grafana dashboard (rendered from Python sources into manifests/monitoring and the chart)."""
