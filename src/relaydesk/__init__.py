"""RelayDesk: a self-hostable conversation CRM."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("relaydesk")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"
