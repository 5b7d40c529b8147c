"""Roles routed to profiles: role use cases, routing and per-message metadata, the game-config export."""
