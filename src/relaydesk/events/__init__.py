"""Domain events: written to the outbox inside the transaction, published after commit."""
