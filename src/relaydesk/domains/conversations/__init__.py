"""Conversations and their messages, each message with a dense per-conversation `seq`."""
