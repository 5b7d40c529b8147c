"""The Messages face's passthrough to Anthropic: the caller's request as sent (model replaced, allowed betas),
and the stream's events relayed one by one while the adapter still reads usage and tool calls from them."""

from webui.providers import sse, transport
from webui.providers.results import Delta

MESSAGES_PATH = "/v1/messages"


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
    """One Delta per event, carrying the event as it came (raw) and its text and tool-call pieces."""
    tools = {}
    for event in sse.iter_sse(adapter.lines(resp, secrets)):
        data = adapter.event_data(event, secrets, call)
        text, calls = "", []
        for item in adapter.on_event(data, event, state, tools):
            if isinstance(item, str):
                text += item
            else:
                calls += item.delta.get("tool_calls") or []
        yield Delta({"tool_calls": calls} if calls else {}, text=text, raw=(data.get("type") or event.event,
                                                                           event.data))
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
