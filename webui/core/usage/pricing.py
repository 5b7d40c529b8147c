"""What a reply cost: the bundled price table (webui/prices.json), a profile's own `pricing`, and the arithmetic."""

import functools
import json
import math
import os
import re

from webui.catalog import PROVIDERS, route_model

PRICES_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "prices.json")


class Price(tuple):
    """(input, output) USD per 1M tokens, with `cache_read` and `cache_write` prices (None: priced as input)."""

    def __new__(cls, inp, out, cache_read=None, cache_write=None):
        price = super().__new__(cls, (float(inp), float(out)))
        price.cache_read = None if cache_read is None else float(cache_read)
        price.cache_write = None if cache_write is None else float(cache_write)
        return price


FREE = Price(0.0, 0.0)
LOCAL = tuple(pid for pid, spec in PROVIDERS.items() if spec["runs_locally"])  # no bill unless the profile sets a price
# OpenRouter ids name the vendor first; the same model has the vendor's own price.
VENDORS = {"openai": "open_ai", "anthropic": "anthropic", "google": "gemini"}
# Suffixes that name a snapshot of a family, not another model: a date, `-latest`, a version, a preview tag.
_SNAPSHOT = re.compile(r"(-\d{8}|-\d{4}-\d{2}-\d{2}|-\d{4}|-latest|-\d{3}|-preview(-\d{2}-\d{2}(-\d{4})?)?"
                       r"|-exp(-\d{2}-\d{2})?)$")


@functools.lru_cache(maxsize=1)
def table():
    """The bundled table: {taken, sources, models: {provider: {model: [input, output, cache read?, cache write?]}}}."""
    with open(PRICES_FILE, encoding="utf-8") as f:
        return json.load(f)


def _names(model):
    """A model id, then the family ids it is a snapshot of (`claude-3-5-haiku-20241022` -> `claude-3-5-haiku`)."""
    name = model.strip().lower().removeprefix("models/")  # Gemini ids may carry their REST collection
    out = [name]
    while True:
        shorter = _SNAPSHOT.sub("", name)
        if shorter == name or not shorter:
            return out
        name = shorter
        out.append(name)


def _in_table(provider, model):
    """(input, output) for a provider's model id as written or as a snapshot of a listed family; else None."""
    if not isinstance(model, str) or not model.strip():
        return None
    prices = table()["models"].get(provider) or {}
    for name in _names(model):
        if name in prices:
            return Price(*prices[name][:4])
    if provider == "open_router":  # `openai/gpt-4o-2024-08-06`, `anthropic/claude-3-5-haiku`: the vendor's own
        vendor, _, rest = model.partition("/")
        target = VENDORS.get(vendor.lower())
        if target and rest:
            return _in_table(target, rest) or _in_table(target, rest.replace(".", "-"))
    return None


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def own_price(profile):
    """The profile's `pricing` override as a Price per 1M tokens (input, output; cache read and write optional),
    or None."""
    pricing = (profile or {}).get("pricing")
    if not isinstance(pricing, dict):
        return None
    values = (pricing.get("input_per_mtok"), pricing.get("output_per_mtok"))
    if all(_number(v) for v in values):
        cache = [pricing.get(k) if _number(pricing.get(k)) else None
                 for k in ("cache_read_per_mtok", "cache_write_per_mtok")]
        return Price(*values, *cache)
    return None


def price_of(profile, answered_model=None):
    """(input, output) USD per 1M tokens for a profile's call, or None when no price is known.

    Order: the profile's `pricing`; local servers are free; the bundled table under the provider the model
    routes to (LiteLLM prefixes resolve to the same entries), by the configured model, then by the model
    the provider said answered (an Azure deployment reports its real model).
    """
    own = own_price(profile)
    if own is not None:
        return own
    provider, model = (profile or {}).get("provider"), (profile or {}).get("model")
    routed, wire, deployment = route_model(provider, model)
    if deployment is not None:
        routed = "open_ai"  # Azure OpenAI bills the OpenAI models at OpenAI's list price
    elif routed in LOCAL:
        return FREE
    return _in_table(routed, wire) or _in_table(routed, answered_model)


def cost_usd(price, usage):
    """USD for one call's usage at a price; None when the price or the token counts are unknown.

    `prompt_tokens` counts all input: the cache reads and writes in it are priced at the cache prices (as plain
    input when the price has none), the rest at the input price."""
    if price is None:
        return None
    if tuple(price) == FREE:
        return 0.0
    usage = usage or {}
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    if prompt is None and completion is None:
        return None  # never invented: no usage, no cost
    read, write = usage.get("cache_read_tokens") or 0, usage.get("cache_write_tokens") or 0
    plain = max(0, (prompt or 0) - read - write)
    inp, out = price[0], price[1]
    read_price, write_price = getattr(price, "cache_read", None), getattr(price, "cache_write", None)
    total = (plain * inp + read * (inp if read_price is None else read_price)
             + write * (inp if write_price is None else write_price) + (completion or 0) * out) / 1_000_000
    return round(total, 9)


def usd(value):
    """$12.34, or three significant digits of a fraction of a cent ($0.000195, $0.0000975)."""
    if value == 0 or value >= 0.01:
        return f"${value:,.2f}"
    decimals = min(12, 2 - math.floor(math.log10(value)))
    return "$" + f"{value:.{decimals}f}".rstrip("0")
