"""Password hashing, signed tokens and opaque secrets."""
