"""Test support that ships with RelayDesk: protocol-faithful fakes of the providers' APIs.

`relaydesk.testing.fakes` holds a Telegram Bot API fake and a WhatsApp Cloud API fake, each a
real HTTP server on 127.0.0.1 with a control API (see docs/fakes.md).
"""
