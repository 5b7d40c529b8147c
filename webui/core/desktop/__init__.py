"""The desktop app: the projection onto its legacy fields and restarts through supervisord."""
