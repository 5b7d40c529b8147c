"""The provider catalog: ONE declarative table that drives validation, forms and /api/llm/providers."""

# Tuning parameters every profile has, with their type and the default a new profile gets.
PARAMS = {
    "temperature": {"type": "number", "label": "Temperature"},
    "top_p": {"type": "number", "label": "Top P"},
    "presence_penalty": {"type": "number", "label": "Presence penalty"},
    "frequency_penalty": {"type": "number", "label": "Frequency penalty"},
    "max_tokens": {"type": "integer", "label": "Max tokens", "min": 1, "max": 2_000_000},
    "context_window": {"type": "integer", "label": "Context window", "min": 1, "max": 10_000_000},
}

_OPENAI_LIMITS = {
    "temperature": (0, 2),
    "top_p": (0, 1),
    "presence_penalty": (-2, 2),
    "frequency_penalty": (-2, 2),
}

_API_KEY = {"name": "api_key", "label": "API key", "secret": True}
_BEARER = ("Authorization", "Bearer")  # (header, scheme): how the key travels
# How a provider drives the desktop app (SPEC §4): "key" is the legacy field that gets the provider's key,
# "params" maps legacy field -> profile field, "local" means Triplo's local-LLM (Ollama) mode.
_OPENAI_PARAMS = {"openai_model": "model", "temperature": "temperature", "presence_penalty": "presence_penalty"}
# Triplo's local-LLM mode speaks OpenAI-compatible HTTP, so any such server runs through it.
_LOCAL = {"ai_source": "ollama", "key": None, "params": {}, "local": True}

# Each provider row: label (full), short_label (badges, header), blurb (one plain sentence for the picker), the
# rest drives validation, credentials, defaults and the desktop projection.
PROVIDERS = {
    "open_ai": {
        "label": "OpenAI",
        "short_label": "OpenAI",
        "blurb": "GPT models. Needs an API key from platform.openai.com.",
        "key_header": _BEARER,
        "projection": {"ai_source": "open_ai", "key": "openai_key", "params": _OPENAI_PARAMS},
        "requires": ["model", "api_key"],
        "credential_fields": [_API_KEY],
        "env_var": "OPENAI_API_KEY",
        "default_base_url": "https://api.openai.com/v1",
        "limits": _OPENAI_LIMITS,
        "unsupported": [],
        "complete_model_list": True,  # its model list names every model the key can call
        "public_model_list": False,  # listed without the key (so the list proves nothing about it)
        "runs_locally": False,  # a server of your own: no bill unless the profile sets a price
        "server_in_credential": False,  # the server URL (and token) live in its credential
        "defaults": {"model": "gpt-4o-mini", "temperature": 0.7, "presence_penalty": 0},
    },
    "open_router": {
        "label": "OpenRouter",
        "short_label": "OpenRouter",
        "blurb": "Hundreds of models behind one key from openrouter.ai.",
        "key_header": _BEARER,
        "projection": {"ai_source": "open_router", "key": "openrouter_key", "params": _OPENAI_PARAMS},
        "requires": ["model", "api_key"],
        "credential_fields": [_API_KEY],
        "env_var": "OPENROUTER_API_KEY",
        "default_base_url": "https://openrouter.ai/api/v1",
        "limits": _OPENAI_LIMITS,
        "unsupported": [],
        "complete_model_list": True,  # its model list names every model the key can call
        "public_model_list": True,  # listed without the key (so the list proves nothing about it)
        "runs_locally": False,  # a server of your own: no bill unless the profile sets a price
        "server_in_credential": False,  # the server URL (and token) live in its credential
        "defaults": {"model": "openai/gpt-4o-mini", "temperature": 0.7, "presence_penalty": 0},
    },
    "anthropic": {
        "label": "Anthropic",
        "short_label": "Anthropic",
        "blurb": "Claude models. Needs an API key from console.anthropic.com.",
        "key_header": ("x-api-key", None),
        "projection": {"ai_source": "anthropic", "key": "anthropic_key",
                       "params": {"openai_model": "model", "temperature": "temperature"}},
        "requires": ["model", "api_key"],
        "credential_fields": [_API_KEY],
        "env_var": "ANTHROPIC_API_KEY",
        "default_base_url": "https://api.anthropic.com",
        "limits": {"temperature": (0, 1), "top_p": (0, 1)},
        "unsupported": ["presence_penalty", "frequency_penalty"],
        "complete_model_list": True,  # its model list names every model the key can call
        "public_model_list": False,  # listed without the key (so the list proves nothing about it)
        "runs_locally": False,  # a server of your own: no bill unless the profile sets a price
        "server_in_credential": False,  # the server URL (and token) live in its credential
        "defaults": {"model": "claude-3-5-haiku-latest", "temperature": 0.7, "max_tokens": 1024},
    },
    "gemini": {
        "label": "Google Gemini",
        "short_label": "Google Gemini",
        "blurb": "Google's Gemini models. Usable for roles and chat; it cannot drive the desktop app.",
        "key_header": ("x-goog-api-key", None),
        "projection": None,
        "requires": ["model", "api_key"],
        "credential_fields": [_API_KEY],
        "env_var": "GEMINI_API_KEY",
        "default_base_url": "https://generativelanguage.googleapis.com",
        "limits": _OPENAI_LIMITS,
        "unsupported": [],
        "complete_model_list": True,  # its model list names every model the key can call
        "public_model_list": False,  # listed without the key (so the list proves nothing about it)
        "runs_locally": False,  # a server of your own: no bill unless the profile sets a price
        "server_in_credential": False,  # the server URL (and token) live in its credential
        "defaults": {"model": "gemini-2.5-flash", "temperature": 0.7},
    },
    "ollama": {
        "label": "Ollama",
        "short_label": "Ollama",
        "blurb": "Models running on your own machine or server. Needs the server URL.",
        "key_header": _BEARER,
        "projection": _LOCAL,
        "requires": ["model", "url"],
        "credential_fields": [
            {"name": "url", "label": "Server URL", "secret": False, "default": "http://localhost:11434"},
            {"name": "token", "label": "Bearer token (optional)", "secret": True},
        ],
        "env_var": None,
        "default_base_url": "http://localhost:11434",
        "limits": _OPENAI_LIMITS,
        "unsupported": [],
        "complete_model_list": True,  # its model list names every model the key can call
        "public_model_list": False,  # listed without the key (so the list proves nothing about it)
        "runs_locally": True,  # a server of your own: no bill unless the profile sets a price
        "server_in_credential": True,  # the server URL (and token) live in its credential
        "defaults": {"model": "llama3.1:latest", "temperature": 0.7},
    },
    "custom": {
        "label": "OpenAI-compatible (LM Studio, llama.cpp, vLLM, Azure)",
        "short_label": "OpenAI-compatible",
        "blurb": "Any OpenAI-compatible server: LM Studio, llama.cpp, vLLM, Azure OpenAI. Needs its base URL.",
        "key_header": _BEARER,
        "projection": _LOCAL,
        "requires": ["model", "base_url"],
        "credential_fields": [dict(_API_KEY, label="API key (optional)")],
        "env_var": None,
        "default_base_url": "http://localhost:1234/v1",
        "limits": _OPENAI_LIMITS,
        "unsupported": [],
        "complete_model_list": False,  # its model list names every model the key can call
        "public_model_list": False,  # listed without the key (so the list proves nothing about it)
        "runs_locally": True,  # a server of your own: no bill unless the profile sets a price
        "server_in_credential": False,  # the server URL (and token) live in its credential
        "defaults": {"model": "", "temperature": 0.7},
    },
}

for _spec in PROVIDERS.values():
    _spec["desktop"] = _spec["projection"] is not None  # whether it can drive the desktop app

# OpenAI-compatible vendors picked by name. Each is a `custom` profile underneath: the profile stores provider
# "custom", the preset's base URL, its key variable as api_key_ref and a credential set of its own (so a stored
# Groq key is not the one a Mistral profile uses). `model` is an example the form starts with.
PRESETS = {
    "groq": {"label": "Groq", "base_url": "https://api.groq.com/openai/v1", "env_var": "GROQ_API_KEY",
             "model": "llama-3.3-70b-versatile"},
    "mistral": {"label": "Mistral", "base_url": "https://api.mistral.ai/v1", "env_var": "MISTRAL_API_KEY",
                "model": "mistral-small-latest"},
    "deepseek": {"label": "DeepSeek", "base_url": "https://api.deepseek.com/v1", "env_var": "DEEPSEEK_API_KEY",
                 "model": "deepseek-chat"},
    "together": {"label": "Together AI", "base_url": "https://api.together.xyz/v1", "env_var": "TOGETHER_API_KEY",
                 "model": "meta-llama/Llama-3.3-70B-Instruct-Turbo"},
    "xai": {"label": "xAI", "base_url": "https://api.x.ai/v1", "env_var": "XAI_API_KEY", "model": "grok-3-mini"},
    "fireworks": {"label": "Fireworks AI", "base_url": "https://api.fireworks.ai/inference/v1",
                  "env_var": "FIREWORKS_API_KEY", "model": "accounts/fireworks/models/llama-v3p1-8b-instruct"},
    "lm_studio": {"label": "LM Studio", "base_url": "http://localhost:1234/v1", "env_var": None, "model": ""},
    "vllm": {"label": "vLLM", "base_url": "http://localhost:8000/v1", "env_var": None, "model": ""},
    "llama_cpp": {"label": "llama.cpp server", "base_url": "http://localhost:8080/v1", "env_var": None, "model": ""},
}
PRESET_PROVIDER = "custom"


def preset_fields(preset_id):
    """The profile fields a preset fills ({} for an unknown id): base_url, api_key_ref, credential_id, model."""
    preset = PRESETS.get(preset_id) if isinstance(preset_id, str) else None
    if preset is None:
        return {}
    return {"provider": PRESET_PROVIDER, "base_url": preset["base_url"], "api_key_ref": preset["env_var"] or "",
            "credential_id": preset_id, "model": preset["model"], "name": preset["label"]}


def public_presets():
    """The presets as JSON-ready data (the editor's select, /api/llm/providers under the custom row)."""
    return [{"id": pid, "label": p["label"], "base_url": p["base_url"], "env_var": p["env_var"], "model": p["model"]}
            for pid, p in PRESETS.items()]

ALIASES = {
    "openai": "open_ai",
    "openrouter": "open_router",
    "oai_compatible": "open_ai",
    "local_openai": "custom",
    "google": "gemini",
}

SECRET_FIELDS = ("api_key", "token")


def server_in_credential(provider):
    """True for a provider whose server URL (and token) live in its credential, not in each profile (Ollama)."""
    return bool(PROVIDERS.get(provider, {}).get("server_in_credential"))
# Legacy desktop fields holding a provider's key: {field: provider}.
LEGACY_KEY_FIELDS = {spec["projection"]["key"]: pid for pid, spec in PROVIDERS.items()
                     if spec["projection"] and spec["projection"]["key"]}


def canonical_provider(name):
    """Canonical provider id for a name or alias, or None when unknown."""
    if not isinstance(name, str):
        return None
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    return key if key in PROVIDERS else None


def public_catalog():
    """The catalog as JSON-ready data for /api/llm/providers and the editor."""
    out = []
    for pid, spec in PROVIDERS.items():
        params = {}
        for name, meta in PARAMS.items():
            supported = name not in spec["unsupported"]
            entry = dict(meta, supported=supported)
            if name in spec["limits"]:
                entry["min"], entry["max"] = spec["limits"][name]
            params[name] = entry
        out.append({
            "id": pid,
            "label": spec["label"],
            "short_label": spec["short_label"],
            "blurb": spec["blurb"],
            "requires": spec["requires"],
            "credential_fields": spec["credential_fields"],
            "env_var": spec["env_var"],
            "default_base_url": spec["default_base_url"],
            "defaults": spec["defaults"],
            "params": params,
            "can_drive_desktop": spec["desktop"],
        })
        if pid == PRESET_PROVIDER:
            out[-1]["presets"] = public_presets()
    return out


# What clients read from a model list when neither the profile nor the provider says: (context window, max output
# tokens) by model-name prefix, longest first; from the providers' public model pages.
MODEL_LIMITS = (
    ("gpt-4.1", (1_047_576, 32_768)), ("gpt-4o", (128_000, 16_384)), ("gpt-5", (400_000, 128_000)),
    ("o4-mini", (200_000, 100_000)), ("o3", (200_000, 100_000)),
    ("claude-3-5-haiku", (200_000, 8_192)), ("claude-3-7-sonnet", (200_000, 64_000)),
    ("claude-sonnet-4", (200_000, 64_000)), ("claude-opus-4", (200_000, 32_000)),
    ("gemini-2.5", (1_048_576, 65_536)), ("gemini-2.0-flash", (1_048_576, 8_192)),
)


def model_limits(model):
    """(context window, max output tokens) the catalog knows for a model name, else (None, None)."""
    name = model.lower().rsplit("/", 1)[-1] if isinstance(model, str) else ""
    return next((limits for prefix, limits in MODEL_LIMITS if name.startswith(prefix)), (None, None))


# LiteLLM's `provider/model` names (the game-config document's provider layer): prefix -> our provider.
# `azure/<deployment>` is an Azure OpenAI deployment, served by the OpenAI-compatible adapter.
MODEL_PREFIXES = {
    "azure": "custom",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "ollama": "ollama",
    "openrouter": "open_router",
    "openai": "open_ai",
}
AZURE_ENV_VAR = "AZURE_OPENAI_API_KEY"  # the variable the document's Azure example names
# Model name families LiteLLM routes by name alone, for profiles that do not name their provider.
MODEL_FAMILIES = (("claude-", "anthropic"), ("gemini-", "gemini"), ("gpt-", "open_ai"))


def route_model(provider, model):
    """(provider, wire model, Azure deployment or None) for a profile's provider and model as written.

    A LiteLLM prefix routes when the profile is the generic OpenAI-format one (the document's default
    `oai_compatible`), or names the profile's own provider (then it is only stripped), or is `azure/` on an
    OpenAI-compatible server. Other slashes are model names of their own (OpenRouter's `anthropic/claude-…`).
    """
    if not isinstance(model, str):
        return provider, model, None  # validation names the field; routing has nothing to read
    head, sep, rest = model.partition("/")
    target = MODEL_PREFIXES.get(head.lower()) if sep and rest else None
    if target is None or not (provider in ("open_ai", target) or (target == "custom" and provider == "custom")):
        return provider, model, None
    return target, rest, rest if head.lower() == "azure" else None


def infer_provider(model):
    """The provider a model name implies when none is given: LiteLLM's well-known families, else OpenAI format."""
    name = (model or "").lower() if isinstance(model, str) else ""
    return next((provider for prefix, provider in MODEL_FAMILIES if name.startswith(prefix)), "open_ai")


def key_env_var(provider, model=None):
    """The standard variable holding the key of the provider a profile's model routes to (None: no key needed)."""
    routed, _, deployment = route_model(provider, model)
    return AZURE_ENV_VAR if deployment is not None else PROVIDERS.get(routed, {}).get("env_var")


def model_fits(provider, model):
    """False when a model name belongs to another provider's family (`gpt-4o-mini` for Anthropic)."""
    name = model.lower() if isinstance(model, str) else ""
    family = next((owner for prefix, owner in MODEL_FAMILIES if name.startswith(prefix)), None)
    return family in (None, provider)
