"""Protocol-faithful fakes of the Telegram Bot API and the WhatsApp Cloud API (docs/fakes.md)."""

from relaydesk.testing.fakes.control import TelegramControl, WhatsAppControl
from relaydesk.testing.fakes.receiver import Receiver, running_receiver
from relaydesk.testing.fakes.server import RunningFake, running_fake, serve_fake
from relaydesk.testing.fakes.telegram import TelegramFake
from relaydesk.testing.fakes.whatsapp import WhatsAppConfig, WhatsAppFake

__all__ = [
    "Receiver",
    "RunningFake",
    "TelegramControl",
    "TelegramFake",
    "WhatsAppConfig",
    "WhatsAppControl",
    "WhatsAppFake",
    "running_fake",
    "running_receiver",
    "serve_fake",
]
