"""The configuration: profiles, credentials, roles, desktop settings; reading, validating, importing, seeding."""
