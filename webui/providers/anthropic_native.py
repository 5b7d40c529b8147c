"""The Messages face's passthrough to Anthropic: the caller's request as sent (model replaced, allowed betas),
and the stream's events relayed one by one while the adapter still reads usage and tool calls from them."""

from webui.providers import sse, transport
from webui.providers.results import Delta

MESSAGES_PATH = "/v1/messages"
HELD = ("message_start", "ping", "content_block_start")  # sent on with the first event after them


def _headers(adapter, key, betas):
    headers = adapter.headers(key)
    if betas:
        headers["anthropic-beta"] = ",".join(betas)
    return headers


def request(adapter, call, key, stream):
    """(url, body, headers): the caller's body under the profile's model, key and base URL."""
    body = {k: v for k, v in call.native["body"].items() if k != "stream"}
    body["model"] = call.profile.get("model")
    if stream:
        body["stream"] = True
    return f"{adapter.base_url(call.base_url)}{MESSAGES_PATH}", body, _headers(adapter, key, call.native["betas"])


def relay(adapter, resp, call, state, secrets):
    """Deltas carrying the events as they came (raw: (name, data) pairs) and their text and tool-call pieces.

    Events before the first content delta wait for it: an error event among them (Anthropic's overloaded error
    right after message_start) is then raised before anything was yielded, so the gateway can still fall back."""
    tools, waiting, text, calls = {}, [], "", []
    for event in sse.iter_sse(adapter.lines(resp, secrets)):
        data = adapter.event_data(event, secrets, call)
        kind = data.get("type") or event.event
        for item in adapter.on_event(data, event, state, tools):
            if isinstance(item, str):
                text += item
            else:
                calls += item.delta.get("tool_calls") or []
        waiting.append((kind, event.data))
        if kind in HELD and not state.done:
            continue
        yield Delta({"tool_calls": calls} if calls else {}, text=text, raw=tuple(waiting))
        waiting, text, calls = [], "", []
        if state.done:
            return


def count_tokens(adapter, call, body, betas):
    """POST /v1/messages/count_tokens with the caller's body under the profile's model; Anthropic's JSON answer."""
    key = adapter.key_of(call)
    body = dict(body, model=call.profile.get("model"))
    resp = adapter.send("POST", f"{adapter.base_url(call.base_url)}{MESSAGES_PATH}/count_tokens",
                        secrets=adapter.secrets(key), headers=_headers(adapter, key, betas), json_body=body,
                        model=call.profile.get("model"))
    return transport.parse_json(resp.content, label=adapter.label)
