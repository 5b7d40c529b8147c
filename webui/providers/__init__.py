"""Provider adapters: ADAPTERS maps each canonical provider id to its (stateless, shared) adapter."""

from webui.errors import NotFound
from webui.providers.anthropic import AnthropicAdapter
from webui.providers.gemini import GeminiAdapter
from webui.providers.ollama import OllamaAdapter
from webui.providers.openai_compat import CustomAdapter, OpenAIAdapter, OpenRouterAdapter

ADAPTERS = {a.id: a for a in (OpenAIAdapter(), OpenRouterAdapter(), AnthropicAdapter(), GeminiAdapter(),
                               OllamaAdapter(), CustomAdapter())}


def get_adapter(provider_id):
    """The adapter for a canonical provider id (aliases are resolved by webui.catalog); NotFound otherwise."""
    try:
        return ADAPTERS[provider_id]
    except (KeyError, TypeError):
        raise NotFound(f"Unknown provider '{provider_id}'", provider=provider_id) from None
