"""Form helpers for the pages: HTML form data to core payloads, settings-tab field tables, outcome messages."""

import json
import re

from webui import bounds
from webui.catalog import PARAMS, PROVIDERS, route_model
from webui.core.config import desktop_settings
from webui.core.config.profiles import LOCAL_OPTIONS
from webui.core.usage import metering

# The settings tabs: (title, intro, settings) from the one desktop-settings schema.
SETTINGS_TABS = {tab: (title, intro, desktop_settings.of_tab(tab)) for tab, (title, intro) in desktop_settings.TABS.items()}


def usd(value):
    """A cost for people: $1.23, $0.000412 for fractions of a cent, — when unknown."""
    return "—" if value is None else metering.usd(value)


def provider_label(provider):
    """A provider's short display name (badges, the header)."""
    return PROVIDERS.get(provider, {}).get("short_label") or str(provider)


def field_label(name):
    """A readable label for a core error field name."""
    labels = {"name": "Name", "model": "Model", "provider": "Provider", "base_url": "Base URL",
              "api_key": "API key", "url": "Server URL", "token": "Token", "api_key_ref": "API key variable",
              "credential_id": "Credential set", "extra_params": "Extra parameters",
              "fallback_profile_ids": "Fallback profiles", "options.json_mode": "JSON mode",
              "options.stream": "Streaming", "id": "Id", "pricing": "Pricing", "budget": "Budget",
              "pricing.input_per_mtok": "Input price", "pricing.output_per_mtok": "Output price",
              "pricing.cache_read_per_mtok": "Cache read price", "pricing.cache_write_per_mtok": "Cache write price",
              "budget.monthly_usd": "Monthly budget", "message": "Message", "llm_profile_ids": "Profiles",
              "llm_profile_id": "Profile", "profile_id": "Profile", "character_id": "Role", "role_id": "Role"}
    return labels.get(name) or PARAMS.get(name, {}).get("label") or name.replace("_", " ").capitalize()


FORM_ORDER = ("name", "provider", "api_key", "url", "token", "base_url", "model", *PARAMS, "options.json_mode",
              "options.stream", "extra_params", "fallback_profile_ids", "pricing.input_per_mtok",
              "pricing.output_per_mtok", "pricing.cache_read_per_mtok", "pricing.cache_write_per_mtok", "budget.monthly_usd", "api_key_ref", "credential_id", "set_active")
# The editor's money inputs: form name -> (profile field, key).
MONEY_INPUTS = {"pricing_input": ("pricing", "input_per_mtok"), "pricing_output": ("pricing", "output_per_mtok"),
                "pricing_cache_read": ("pricing", "cache_read_per_mtok"),
                "pricing_cache_write": ("pricing", "cache_write_per_mtok"),
                "budget_monthly": ("budget", "monthly_usd")}


def form_order(item):
    """Sort key: errors listed in the order their fields appear on the editor."""
    return FORM_ORDER.index(item[0]) if item[0] in FORM_ORDER else len(FORM_ORDER)


def error_text(name, message):
    """'is required' reads as 'Name is required' next to its field; full sentences stay as they are."""
    message = str(message)
    if message.startswith(("is ", "must ", "lists ", "cannot ")):
        return f"{field_label(name)} {message}"
    return message[:1].upper() + message[1:]


def sentence(text):
    """Text that ends with one full stop (or its own ! ? …), never two."""
    text = str(text or "").strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def failure_text(exc):
    """A refused call in sentences for a flash: each field's message ("Pick 2 to 4 different profiles."), else
    the error's message (never a core field name such as llm_profile_ids)."""
    fields = getattr(exc, "fields", None)
    if fields:
        return " ".join(sentence(error_text(k, v)) for k, v in fields.items())
    return sentence(user_text(exc.message))


def _text(form, key):
    return (form.get(key) or "").strip()


def profile_payload(form):
    """(payload for profile_ops, parse errors that override the core's messages) from a posted profile form."""
    errors = {}
    payload = {"name": _text(form, "name"), "provider": _text(form, "provider"), "model": _text(form, "model")}
    for key in ("base_url", "api_key_ref", "credential_id", *PARAMS):
        if key in form:
            payload[key] = _text(form, key)
    payload["options"] = {"json_mode": "json_mode" in form, "stream": "stream" in form}
    for key in LOCAL_OPTIONS:  # Ollama's local parameters (their inputs are sent for Ollama profiles only)
        if _text(form, key):
            typed = _text(form, key)
            # Whole numbers as numbers; anything else (a "5m" keep_alive, or a typo the core names) as text.
            payload["options"][key] = int(typed) if re.fullmatch(r"-?\d{1,9}", typed) else typed
    raw = _text(form, "extra_params")
    payload["extra_params"] = {}
    if raw:
        # A bad value is still passed on: the core rejects anything but an object, so every other
        # field error shows up in the same answer, and nothing is saved.
        try:
            payload["extra_params"] = bounds.loads(raw)
        except bounds.InputRefused as exc:
            payload["extra_params"] = raw
            errors["extra_params"] = f"Extra parameters {exc}"
        except ValueError as exc:
            payload["extra_params"] = raw
            errors["extra_params"] = f"Extra parameters are not valid JSON: {exc}"
        if not isinstance(payload["extra_params"], (dict, str)):
            errors["extra_params"] = 'Extra parameters must be a JSON object, like {"seed": 42}'

    payload["fallback_profile_ids"] = [i for i in form.getlist("fallback_profile_ids") if i]
    for key, (field, part) in MONEY_INPUTS.items():
        if key in form:  # empty inputs leave the field unset (the core turns an all-empty object into null)
            payload.setdefault(field, {})[part] = _text(form, key)
    # Secrets: an empty input keeps the stored one; a non-secret URL is sent as typed.
    for key in ("api_key", "token"):
        if _text(form, key):
            payload[key] = _text(form, key)
    if "url" in form:
        payload["url"] = _text(form, "url")
    payload["set_active"] = "set_active" in form
    return payload, errors


def profile_values(profile, active=False):
    """The editor's input values for a stored profile (strings, flags, lists)."""
    values = {k: ("" if profile.get(k) is None else str(profile.get(k)))
              for k in ("name", "provider", "model", "base_url", "api_key_ref", "credential_id", *PARAMS)}
    options = profile.get("options") or {}
    values["json_mode"] = bool(options.get("json_mode"))
    values["stream"] = bool(options.get("stream", True))
    values.update({k: "" if options.get(k) is None else str(options[k]) for k in LOCAL_OPTIONS})
    extra = profile.get("extra_params") or {}
    values["extra_params"] = json.dumps(extra, indent=2) if extra else ""
    values["fallback_profile_ids"] = list(profile.get("fallback_profile_ids") or [])
    for key, (field, part) in MONEY_INPUTS.items():
        number = (profile.get(field) or {}).get(part) if isinstance(profile.get(field), dict) else None
        values[key] = "" if number is None else f"{number:g}"
    values["set_active"] = active
    return values


def edit_fallbacks(form):
    """The fallback order after one no-JS picker button (fallback_op: add, or up/down/remove:<id>)."""
    ids = [i for i in form.getlist("fallback_profile_ids") if i]
    action, _, target = (form.get("fallback_op") or "").partition(":")
    if action == "add":
        wanted = form.get("fallback_add")
        if wanted and wanted not in ids:
            ids.append(wanted)
    elif target in ids:
        i = ids.index(target)
        ids.remove(target)
        if action in ("up", "down"):
            ids.insert(max(0, i - 1) if action == "up" else i + 1, target)
    return ids


def posted_values(form):
    """The editor's input values as the user typed them (kept on a validation error)."""
    values = {k: form.get(k, "") for k in form.keys()}
    values["json_mode"] = "json_mode" in form
    values["stream"] = "stream" in form
    values["set_active"] = "set_active" in form
    values["fallback_profile_ids"] = form.getlist("fallback_profile_ids")
    for key in ("api_key", "token"):
        values.pop(key, None)  # a secret is never echoed back into the page
    return values


def settings_fields(tab, settings, template_settings):
    """The tab's fields with their current values (the template's default when a key is missing)."""
    return desktop_settings.fields(tab, settings, template_settings)


def settings_payload(tab, form, current):
    """(values to merge into settings, field errors) from a posted settings tab; `current` is the stored settings."""
    return desktop_settings.from_form(tab, form, current)


NO_SUPERVISOR = "The desktop app is not managed from here, so it was not restarted: restart Triplo yourself."
BAD_SUPERVISOR = ("The address of the desktop app's supervisor is set wrong in this installation: "
                  "ask whoever set it up, or restart Triplo yourself.")
EXCEPTION_NAME = re.compile(r"\s*\((?:\w+\.)*\w*(?:Error|Exception|Timeout)\w*\)")


def user_text(message):
    """A core message in words for people: no env-var names or exception class names."""
    text = message or ""
    if "SUPERVISOR_SERVER_URL" in text:
        return BAD_SUPERVISOR if "invalid" in text else NO_SUPERVISOR
    if EXCEPTION_NAME.search(text):
        text = EXCEPTION_NAME.sub("", text).rstrip(".") + ". Check that the server is running and the address is right."
    return text


def desktop_message(outcome):
    """(flash text, category) for a desktop restart outcome, or None when nothing was restarted."""
    if not outcome:
        return None
    result, message = outcome.get("result"), user_text(outcome.get("message") or "")
    if result == "restarted":
        return "The desktop app was restarted.", "success"
    if result == "failed":
        return f"The desktop app could not be restarted: {message}", "error"
    return (message[:1].upper() + message[1:]) if message else "The desktop app was not restarted.", "info"


def route_note(provider, model):
    """What a LiteLLM model prefix resolves to, for the line under the model field; None without one."""
    routed, wire, deployment = route_model(provider, model)
    if deployment is not None:
        return f"Runs as the Azure OpenAI deployment '{deployment}' at the base URL (api-key header)."
    if routed == provider and wire == model:
        return None
    return f"Runs on {PROVIDERS[routed]['label']} as model '{wire}'."


def test_message(result):
    """A connection test's outcome in words: whether the server answered and whether it has the model."""
    if result.get("not_tested"):  # the form was incomplete: nothing was sent anywhere
        return f"Not tested: {sentence(result['not_tested'])}"
    if not result.get("ok"):
        return f"Connection failed: {sentence(user_text(result.get('error') or 'no answer'))}"
    head = f"Connection OK: {result.get('model')} answered in {result.get('latency_ms')} ms"
    listed, called = result.get("model_found"), result.get("checked") == "one_token_call"
    if listed and called:
        return head + "; the server lists this model, and a 1-token test call went through."
    if called:
        return head + " (a 1-token test call: this server's model list cannot prove the model exists)."
    return head + ("; the server lists this model." if listed else ".")


def pull_message(pull):
    """An Ollama pull's state in words."""
    model, state = pull.get("model"), pull.get("state")
    if state == "done":
        return f"Pulled {model}: it is on the server and in the model list."
    if state == "failed":
        return f"The pull of {model} failed: {user_text(pull.get('error') or 'no reason given')}"
    if state == "cancelled":
        return f"The pull of {model} was cancelled."
    percent = pull.get("percent")
    return f"Pulling {model}: {pull.get('status')}" + (f" ({percent}%)" if percent is not None else "") + "…"
