"""The thin web layer: parses requests, calls the core, renders pages or JSON."""
