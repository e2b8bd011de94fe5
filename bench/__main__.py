"""`make bench`: run every benchmark and print its figures."""

from bench import auth_http

auth_http.main()
