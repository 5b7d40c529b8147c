"""Who may come in: users and passwords, API tokens, login throttle, key rotation."""
