"""Who may come in: one-time leader invites and re-link codes (only their hash at rest)."""
