"""Channel adapters: provider payloads in, domain calls; domain messages out to providers.

Adapters never write models: they call `domains/conversations/actions`.
"""
