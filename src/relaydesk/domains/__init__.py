"""Domain packages; each has models, schemas, actions (the only writers) and queries."""
