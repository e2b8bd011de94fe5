"""Connected channel accounts (the API channel first; providers come with their adapters)."""
