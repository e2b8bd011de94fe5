"""`make bench`: run every benchmark and print its figures (`python -m bench NAME` runs one)."""

import sys

from bench import auth_http, messaging, outbound, realtime

BENCHMARKS = {
    "auth_http": auth_http.main,
    "messaging": messaging.main,
    "outbound": outbound.main,
    "realtime": realtime.main,
}

names = sys.argv[1:] or list(BENCHMARKS)
for name in names:
    BENCHMARKS[name]()
