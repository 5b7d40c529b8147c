"""The Access tab's example calls: the gateway's base URL as people reach it, and curl / openai / anthropic snippets."""

from flask import request

from webui.web.common import services

TOKEN = "YOUR_TOKEN"  # never a real token: the one just created is shown once, above, on its own
PROFILE_PLACEHOLDER = "PROFILE_ID"

CURL = """curl {base}/v1/chat/completions \\
  -H "Authorization: Bearer {token}" \\
  -H "Content-Type: application/json" \\
  -d '{{"model": "{model}", "messages": [{{"role": "user", "content": "Hello"}}]}}'"""

OPENAI = """from openai import OpenAI

client = OpenAI(base_url="{base}/v1", api_key="{token}")
reply = client.chat.completions.create(
    model="{model}",
    messages=[{{"role": "user", "content": "Hello"}}],
)
print(reply.choices[0].message.content)"""

ANTHROPIC = """import anthropic

client = anthropic.Anthropic(base_url="{base}", api_key="{token}")
message = client.messages.create(
    model="{model}",
    max_tokens=1024,
    messages=[{{"role": "user", "content": "Hello"}}],
)
print(message.content[0].text)"""


def base_url():
    """WEBUI_PUBLIC_URL when set (behind a proxy), else the address this request came to (with any mount prefix)."""
    configured = services().settings.public_url.strip().rstrip("/")
    if configured.startswith(("http://", "https://")):
        return configured
    return request.url_root.rstrip("/")


def example_model(view):
    """The model the examples name: the active profile's id (the faces route `model` to profile ids)."""
    return view.active_id or next(iter(view.profile_ids), PROFILE_PLACEHOLDER)


def examples():
    """{base_url, model, is_active, calls: [{id, label, code}]} for the Access tab."""
    view = services().config.view()
    base, model = base_url(), example_model(view)
    calls = [("curl", "curl", CURL), ("openai", "Python openai", OPENAI), ("anthropic", "Python anthropic", ANTHROPIC)]
    return {"base_url": base, "model": model, "is_active": model == view.active_id,
            "calls": [{"id": key, "label": label, "code": code.format(base=base, token=TOKEN, model=model)}
                      for key, label, code in calls]}
