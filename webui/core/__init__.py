"""Flask-free core: config store, profiles, crypto, providers, routing, desktop integration."""
