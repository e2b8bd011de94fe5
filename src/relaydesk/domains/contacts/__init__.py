"""People and organisations' members who write in: contacts and their channel identities."""
