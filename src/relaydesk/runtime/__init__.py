"""Process-level runtime: who this process is (its executor id) and its background work."""
