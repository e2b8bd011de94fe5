"""The API channel: integrations post inbound messages and receive outbound ones."""
