"""Reaching a provider outside a chat: model lists, Test connection, Ollama pulls, the local LLM."""
