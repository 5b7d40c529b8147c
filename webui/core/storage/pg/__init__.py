"""PostgreSQL as the store of record (WEBUI_DATABASE_URL): pool, schema versions, documents, change listener."""
