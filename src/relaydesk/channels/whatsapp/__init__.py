"""WhatsApp Cloud API channel."""

from relaydesk.channels.whatsapp.adapter import WhatsAppAdapter

__all__ = ["WhatsAppAdapter"]
