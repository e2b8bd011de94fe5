"""Automation: workflows as versioned JSON graphs, started by triggers read from the outbox
and advanced by our own engine (docs/automation.md, docs/adr/0004-automation-runtime.md)."""
