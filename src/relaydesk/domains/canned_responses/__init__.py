"""Canned responses: a workspace's saved replies, inserted by shortcut."""
