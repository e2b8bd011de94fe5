"""`make bench`: run every benchmark and print its figures (`python -m bench NAME` runs one)."""

import sys

from bench import auth_http, automation, http_client, messaging, outbound, realtime, web

BENCHMARKS = {
    "auth_http": auth_http.main,
    "automation": automation.main,
    "http_client": http_client.main,
    "messaging": messaging.main,
    "outbound": outbound.main,
    "realtime": realtime.main,
    "web": web.main,
}

names = sys.argv[1:] or list(BENCHMARKS)
for name in names:
    BENCHMARKS[name]()
