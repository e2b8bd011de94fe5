"""`relaydesk demo`: a demo workspace with fake channels and simulated customers (docs/demo.md)."""
