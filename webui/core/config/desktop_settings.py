"""The desktop settings schema: ONE table for env seeding, the settings tabs and POST /api/config."""

import math
from typing import NamedTuple

from webui.catalog import PROVIDERS
from webui.core.config.profiles import URL_RE

BOOL, NUMBER, TEXT, CHOICE, SECRET, LIST, URL = "bool", "number", "text", "choice", "secret", "list", "url"
TEXT_KINDS = (TEXT, CHOICE, SECRET)
MAX_STRING = 200
SIZES = ["sm", "md", "lg"]


class Setting(NamedTuple):
    """One desktop setting (defaults come from config-template.json)."""

    key: str
    kind: str
    env: str  # the variable that seeds it (SPEC §7)
    label: str = ""
    tab: str | None = None  # the settings tab that edits it
    extra: dict = {}  # choices, min/max/step, hint
    top: bool = False  # lives at the top level of config.json, not under settings

    def __hash__(self):  # `extra` is a dict; the key names the setting
        return hash((self.key, self.top))


S = Setting
# The desktop settings the container always honoured, plus the local-LLM ones, in tab order.
SETTINGS = (
    S("seenWelcome", BOOL, "TRIPLO_SKIP_WELCOME", top=True),
    S("seenTerms", BOOL, "TRIPLO_SKIP_TERMS", top=True),
    S("ai_source", TEXT, "TRIPLO_AI_SOURCE"),
    S("openai_key", SECRET, PROVIDERS["open_ai"]["env_var"]),
    S("openrouter_key", SECRET, PROVIDERS["open_router"]["env_var"]),
    S("anthropic_key", SECRET, PROVIDERS["anthropic"]["env_var"]),
    S("openai_model", TEXT, "TRIPLO_OPENAI_MODEL"),
    S("temperature", NUMBER, "TRIPLO_TEMPERATURE"),
    S("presence_penalty", NUMBER, "TRIPLO_PRESENCE_PENALTY"),
    # Preferences
    S("language", TEXT, "TRIPLO_LANGUAGE", "Interface language", "preferences",
      {"hint": "A language code such as en, de or pt-BR."}),
    S("prompt_lang", TEXT, "TRIPLO_PROMPT_LANG", "Answer language", "preferences",
      {"hint": "Leave empty to answer in the prompt's language."}),
    S("yt_lang", TEXT, "TRIPLO_YOUTUBE_LANG", "YouTube transcript language", "preferences"),
    S("custom_hotkey", TEXT, "TRIPLO_CUSTOM_HOTKEY", "Hotkey", "preferences", {"hint": "For example Ctrl+Space."}),
    S("custom_trigger", TEXT, "TRIPLO_CUSTOM_TRIGGER", "Custom trigger text", "preferences"),
    S("run_at_startup", BOOL, "TRIPLO_RUN_AT_STARTUP", "Run at startup", "preferences"),
    S("enable_normal_prompts", BOOL, "TRIPLO_ENABLE_NORMAL_PROMPTS", "Enable normal prompts", "preferences"),
    S("shift_backspace", BOOL, "TRIPLO_SHIFT_BACKSPACE", "Shift+Backspace shortcut", "preferences"),
    S("inline_scrape", BOOL, "TRIPLO_INLINE_SCRAPING", "Read linked pages inline", "preferences"),
    S("aware_mode", BOOL, "TRIPLO_AWARENESS_MODE", "Aware mode", "preferences"),
    S("confirm_delete", BOOL, "TRIPLO_CONFIRM_DELETE", "Confirm before deleting", "preferences"),
    S("confirm_automations", BOOL, "TRIPLO_CONFIRM_AUTOMATIONS", "Confirm before running automations", "preferences"),
    S("enable_openai_key", BOOL, "TRIPLO_ENABLE_OPENAI", "Allow the OpenAI key", "preferences"),
    S("enable_openrouter_key", BOOL, "TRIPLO_ENABLE_OPENROUTER", "Allow the OpenRouter key", "preferences"),
    S("enable_anthropic_key", BOOL, "TRIPLO_ENABLE_ANTHROPIC", "Allow the Anthropic key", "preferences"),
    S("license_key", SECRET, "TRIPLO_LICENSE_KEY", "License key", "preferences"),
    # Voice & Audio
    S("sound", BOOL, "TRIPLO_NOTIFICATION_SOUNDS", "Sound effects", "voice"),
    S("voice", BOOL, "TRIPLO_VOICE_FEATURES", "Voice features", "voice",
      {"hint": "Needs an OpenAI key under API & Models."}),
    S("voice_tts_autoplay", BOOL, "TRIPLO_VOICE_TTS_AUTOPLAY", "Read answers aloud automatically", "voice"),
    S("voice_tts_voice", CHOICE, "TRIPLO_VOICE_TTS_VOICE", "Voice", "voice",
      {"choices": ["alloy", "echo", "fable", "onyx", "nova", "shimmer"]}),
    S("voice_tts_model", CHOICE, "TRIPLO_VOICE_TTS_MODEL", "Speech model", "voice", {"choices": ["tts-1", "tts-1-hd"]}),
    S("voice_tts_speed", NUMBER, "TRIPLO_VOICE_TTS_SPEED", "Speech speed", "voice",
      {"min": 0.25, "max": 4, "step": 0.05}),
    S("voice_stt_lang", TEXT, "TRIPLO_VOICE_STT_LANG", "Speech recognition language", "voice",
      {"hint": "A language code such as en."}),
    # Display & UI
    S("color_scheme", CHOICE, "TRIPLO_COLOR_SCHEME", "Color scheme", "display", {"choices": ["auto", "light", "dark"]}),
    S("window_width", CHOICE, "TRIPLO_WINDOW_WIDTH", "Window width", "display", {"choices": SIZES}),
    S("page_height", CHOICE, "TRIPLO_PAGE_HEIGHT", "Page height", "display", {"choices": SIZES}),
    S("main_height", CHOICE, "TRIPLO_MAIN_HEIGHT", "Main area height", "display", {"choices": SIZES}),
    S("indicator", TEXT, "TRIPLO_INDICATOR", "Indicator", "display"),
    S("enabled", BOOL, "TRIPLO_ENABLED", "Triplo enabled", "display"),
    S("pinned", BOOL, "TRIPLO_PINNED", "Keep the window pinned", "display"),
    S("copy_results", BOOL, "TRIPLO_COPY_TO_CLIPBOARD", "Copy results to the clipboard", "display"),
    S("auto_scroll", BOOL, "TRIPLO_AUTO_SCROLL", "Scroll answers automatically", "display"),
    # Local LLM
    S("enable_ollama", BOOL, "TRIPLO_ENABLE_OLLAMA"),
    S("ollama_url", URL, "TRIPLO_OLLAMA_URL"),
    S("ollama_models", LIST, "TRIPLO_OLLAMA_MODELS"),
    S("sync_local_llm", BOOL, "TRIPLO_SYNC_LOCAL_LLM"),
    S("llm_key", SECRET, "TRIPLO_LLM_KEY"),
)
BY_KEY = {s.key: s for s in SETTINGS if not s.top}
TABS = {
    "preferences": ("Preferences", "How the Triplo desktop app behaves day to day."),
    "voice": ("Voice & Audio", "Speech output and recognition (voice uses the OpenAI key)."),
    "display": ("Display & UI", "How the desktop app's window looks."),
}


def of_tab(tab):
    """The settings a tab edits, in order."""
    return [s for s in SETTINGS if s.tab == tab]


def problem(setting, value, current=None):
    """What is wrong with a typed value ("must be …"), or None. The stored value always passes (round trips)."""
    if current is not None and type(value) is type(current) and value == current:
        return None
    kind, extra = setting.kind, setting.extra
    if kind == BOOL:
        return None if isinstance(value, bool) else "must be true or false"
    if kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return "must be a number"
        if "min" in extra and not extra["min"] <= value <= extra["max"]:
            return f"must be between {extra['min']:g} and {extra['max']:g}"
        return None
    if kind == LIST:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return None if ok else "must be a list of strings"
    if kind == SECRET:  # a masked {"set", "hint"} sent back keeps the stored one
        return None if value is None or isinstance(value, (str, dict)) else "must be a string"
    if kind == URL:
        return None if isinstance(value, str) and (not value or URL_RE.match(value)) else \
            "must be an http:// or https:// URL"
    if not isinstance(value, str):
        return "must be text"
    if len(value) > MAX_STRING or any(ord(c) < 32 for c in value):
        return f"must be at most {MAX_STRING} printable characters"
    if kind == CHOICE and value not in extra["choices"]:
        return f"must be one of {', '.join(extra['choices'])}"
    return None


def check(incoming, current):
    """{key: problem} for the desktop settings in a posted settings object (other keys are not judged here)."""
    errors = {}
    for key, value in incoming.items():
        setting = BY_KEY.get(key)
        message = problem(setting, value, current.get(key)) if setting else None
        if message:
            errors[key] = message
    return errors


def from_form(tab, form, current):
    """(typed values, {key: "Label must …"}) from a posted settings tab; an empty secret keeps the stored one."""
    values, errors = {}, {}
    for setting in of_tab(tab):
        raw = form.get(setting.key, "")
        if setting.kind == BOOL:
            value = setting.key in form
        elif setting.kind == NUMBER:
            try:
                value = float(raw.strip())
            except ValueError:
                value = None
            if value is not None and value.is_integer():
                value = int(value)
        elif setting.kind == SECRET:
            if raw.strip():
                values[setting.key] = raw.strip()
            continue
        else:
            value = raw
        message = problem(setting, value, current.get(setting.key))
        if message:
            errors[setting.key] = f"{setting.label} {message}"
        else:
            values[setting.key] = value.strip() if isinstance(value, str) else value
    return values, errors


def fields(tab, settings, template_settings):
    """The tab's fields with their current values (the template's default when a key is missing)."""
    return [{"key": s.key, "label": s.label, "kind": "string" if s.kind == TEXT else s.kind,
             "value": settings.get(s.key, template_settings.get(s.key)), **s.extra} for s in of_tab(tab)]
