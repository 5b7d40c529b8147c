"""core/pricing: the bundled table, prefix and snapshot ids, per-profile prices, local servers, the arithmetic."""

import pytest

from webui.core.usage import pricing


def profile(provider, model, **extra):
    return {"id": "p", "provider": provider, "model": model, **extra}


@pytest.mark.parametrize("price, usage, expected", [
    ((2.5, 10.0), {"prompt_tokens": 1000, "completion_tokens": 500}, 0.0075),
    ((0.8, 4.0), {"prompt_tokens": 1_000_000, "completion_tokens": 1_000_000}, 4.8),
    ((3.0, 15.0), {"prompt_tokens": 11, "completion_tokens": 7}, 0.000138),
    ((0.15, 0.6), {"prompt_tokens": 0, "completion_tokens": 0}, 0.0),
    ((2.5, 10.0), {"prompt_tokens": 100, "completion_tokens": None}, 0.00025),  # a missing side counts nothing
    ((2.5, 10.0), {"prompt_tokens": None, "completion_tokens": None}, None),    # no usage: no cost (never invented)
    ((2.5, 10.0), None, None),
    (None, {"prompt_tokens": 5, "completion_tokens": 5}, None),                 # no price: unknown
    (pricing.FREE, None, 0.0),                                                   # local: free whatever the usage
])
def test_cost_arithmetic(price, usage, expected):
    assert pricing.cost_usd(price, usage) == expected


@pytest.mark.parametrize("provider, model, expected", [
    # each provider's current ids, as written and as dated snapshots
    ("open_ai", "gpt-5", (1.25, 10.0)), ("open_ai", "gpt-5-mini", (0.25, 2.0)), ("open_ai", "gpt-4.1", (2.0, 8.0)),
    ("open_ai", "gpt-4o", (2.5, 10.0)), ("open_ai", "gpt-4o-2024-08-06", (2.5, 10.0)),
    ("open_ai", "gpt-4o-mini-2024-07-18", (0.15, 0.6)), ("open_ai", "o4-mini", (1.1, 4.4)),
    ("open_ai", "o3-2025-04-16", (2.0, 8.0)), ("open_ai", "gpt-4-0613", (30.0, 60.0)),
    ("anthropic", "claude-sonnet-4-5", (3.0, 15.0)), ("anthropic", "claude-sonnet-4-5-20250929", (3.0, 15.0)),
    ("anthropic", "claude-opus-4-1-20250805", (15.0, 75.0)), ("anthropic", "claude-3-5-haiku-20241022", (0.8, 4.0)),
    ("anthropic", "claude-3-5-haiku-latest", (0.8, 4.0)), ("anthropic", "claude-haiku-4-5", (1.0, 5.0)),
    ("gemini", "gemini-2.5-pro", (1.25, 10.0)), ("gemini", "gemini-2.5-flash", (0.3, 2.5)),
    ("gemini", "models/gemini-2.0-flash-001", (0.1, 0.4)), ("gemini", "gemini-2.5-flash-preview-05-20", (0.3, 2.5)),
    ("open_router", "openai/gpt-4o-mini", (0.15, 0.6)), ("open_router", "anthropic/claude-3.5-sonnet", (3.0, 15.0)),
    ("open_router", "google/gemini-2.5-flash", (0.3, 2.5)), ("open_router", "meta-llama/llama-3.3-70b-instruct",
                                                              (0.13, 0.4)),
    # ids OpenRouter lists under the vendor's own name resolve to the vendor's entry
    ("open_router", "openai/gpt-4o-2024-08-06", (2.5, 10.0)), ("open_router", "anthropic/claude-3-7-sonnet",
                                                                (3.0, 15.0)),
    # LiteLLM prefixes (SPEC §3.3) mean the same model: the same entries
    ("open_ai", "openai/gpt-4o", (2.5, 10.0)), ("open_ai", "anthropic/claude-3-5-haiku-20241022", (0.8, 4.0)),
    ("open_ai", "gemini/gemini-2.5-pro", (1.25, 10.0)), ("open_ai", "openrouter/anthropic/claude-3.5-sonnet",
                                                         (3.0, 15.0)),
    ("custom", "azure/gpt-4o", (2.5, 10.0)),
])
def test_bundled_entries_resolve(provider, model, expected):
    assert pricing.price_of(profile(provider, model)) == expected


def test_every_bundled_entry_resolves_under_its_own_id_and_the_table_says_when_and_where():
    table = pricing.table()
    assert table["taken"] and set(table["sources"]) == {"open_ai", "anthropic", "gemini", "open_router"}
    assert all(url.startswith("https://") for url in table["sources"].values())
    for provider, models in table["models"].items():
        for model, (inp, out, *cache) in models.items():
            assert pricing.price_of(profile(provider, model)) == (inp, out), (provider, model)
            assert 0 <= inp <= out * 10
            assert len(cache) in (0, 2) and all(0 <= c <= inp * 1.25 for c in cache), (provider, model)


def test_local_servers_are_free_unless_priced_and_unknown_models_are_unknown():
    assert pricing.price_of(profile("ollama", "qwen2")) == pricing.FREE
    assert pricing.price_of(profile("custom", "llama-3")) == pricing.FREE
    assert pricing.price_of(profile("open_ai", "ollama/qwen2")) == pricing.FREE
    priced = {"input_per_mtok": 0.5, "output_per_mtok": 1}
    assert pricing.price_of(profile("custom", "llama-3", pricing=priced)) == (0.5, 1.0)
    assert pricing.price_of(profile("open_ai", "my-fine-tune")) is None
    assert pricing.price_of(profile("open_ai", "gpt-4o-audio-preview")) is None  # another model, not a snapshot
    assert pricing.price_of(profile("azure-less", None)) is None


def test_profile_pricing_overrides_the_table_and_the_answered_model_is_the_second_guess():
    own = {"input_per_mtok": 1, "output_per_mtok": 2}
    assert pricing.price_of(profile("open_ai", "gpt-4o", pricing=own)) == (1.0, 2.0)
    assert pricing.price_of(profile("open_ai", "gpt-4o", pricing={"input_per_mtok": 1})) == (2.5, 10.0)
    # An Azure deployment's name is the operator's; the model it reports prices it.
    assert pricing.price_of(profile("custom", "azure/prod-chat"), "gpt-4o-mini-2024-07-18") == (0.15, 0.6)


def test_cached_input_is_priced_at_the_cache_prices_to_the_cent():
    """A cached Claude Sonnet turn: 2,000 plain input + 50,000 cache reads + 10,000 cache writes, 1,000 out."""
    price = pricing.price_of(profile("anthropic", "claude-sonnet-4-5-20250929"))
    assert (price, price.cache_read, price.cache_write) == ((3.0, 15.0), 0.3, 3.75)
    used = {"prompt_tokens": 62_000, "completion_tokens": 1_000, "cache_read_tokens": 50_000,
            "cache_write_tokens": 10_000}
    # 2,000 x $3 + 50,000 x $0.30 + 10,000 x $3.75 + 1,000 x $15, per 1M tokens
    assert pricing.cost_usd(price, used) == pytest.approx(0.006 + 0.015 + 0.0375 + 0.015)
    assert round(pricing.cost_usd(price, used), 2) == 0.07
    uncached = pricing.cost_usd(price, {"prompt_tokens": 62_000, "completion_tokens": 1_000})
    assert round(uncached, 3) == 0.201  # the same tokens without the cache discount


def test_cache_prices_from_the_profile_and_the_fallback_to_input():
    own = {"input_per_mtok": 1.0, "output_per_mtok": 2.0, "cache_read_per_mtok": 0.1}
    price = pricing.price_of(profile("open_ai", "gpt-4o", pricing=own))
    assert (price, price.cache_read, price.cache_write) == ((1.0, 2.0), 0.1, None)
    used = {"prompt_tokens": 1_000_000, "completion_tokens": 0, "cache_read_tokens": 500_000,
            "cache_write_tokens": 250_000}
    assert pricing.cost_usd(price, used) == pytest.approx(0.25 + 0.05 + 0.25)  # writes at the input price
    openai = pricing.price_of(profile("open_ai", "gpt-4o-mini"))
    assert (openai.cache_read, openai.cache_write) == (0.075, 0.15)
    gemini = pricing.price_of(profile("gemini", "gemini-2.5-flash"))
    assert gemini.cache_read == 0.03
