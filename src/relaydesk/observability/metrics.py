"""Prometheus metrics; exposed at /metrics."""

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "relaydesk_http_requests_total",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_REQUEST_SECONDS = Histogram(
    "relaydesk_http_request_seconds",
    "HTTP request latency by method and route template.",
    ["method", "route"],
)
DB_TRANSACTION_SECONDS = Histogram(
    "relaydesk_db_transaction_seconds",
    "Duration of named database transactions.",
    ["name", "kind"],
)
LOGIN_FAILURES = Counter(
    "relaydesk_login_failures_total",
    "Failed login attempts, by reason.",
    ["reason"],
)
