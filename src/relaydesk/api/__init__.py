"""HTTP edge: thin routers that parse, authenticate, authorise and call domain actions."""
