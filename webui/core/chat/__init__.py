"""Chat: sessions and messages, the chat service, compare, streaming and the gateway with fallback."""
