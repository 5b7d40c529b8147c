"""Pytest fixtures for the fake provider servers (filled by the providers work)."""
