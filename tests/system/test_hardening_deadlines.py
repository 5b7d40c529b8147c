"""Issue 24, item 2: the provider deadline holds from the first byte sent to the last byte read, for every answer
shape real servers and proxies use (HTTP/1.0, `Connection: close`, dripping headers), on every route."""

import time

import pytest

from tests.fakes import hostile
from tests.unit.provider_helpers import MESSAGES, call_for
from webui import errors as E
from webui.providers import get_adapter

pytestmark = pytest.mark.system

DEADLINE = 1.5
SLACK = 2.5  # a loaded machine; the fakes would hold a call for minutes


def _operate(adapter, call, op):
    if op == "models":
        return adapter.list_models(call.api_key, call.base_url, call.token)
    if op == "chat":
        return adapter.chat(call, MESSAGES)
    return list(adapter.stream(call, MESSAGES))


@pytest.mark.parametrize("shape", hostile.SHAPES)
@pytest.mark.parametrize("kind, op", [("open_ai", "chat"), ("open_ai", "stream"), ("open_ai", "models"),
                                      ("anthropic", "stream"), ("ollama", "chat")])
def test_item2_provider_deadline_holds_for_every_answer_shape(fake_provider, monkeypatch, shape, kind, op):
    monkeypatch.setenv("WEBUI_PROVIDER_TOTAL_TIMEOUT", str(DEADLINE))
    fake = fake_provider(kind, script=hostile.dripping(shape, stream=op == "stream"))
    started = time.monotonic()
    with pytest.raises(E.ProviderTimeout) as info:
        _operate(get_adapter(kind), call_for(fake, kind), op)
    took = time.monotonic() - started
    assert took < DEADLINE + SLACK, f"{kind} {op} against {shape} took {took:.1f} s (deadline {DEADLINE} s)"
    assert "WEBUI_PROVIDER_TOTAL_TIMEOUT" in info.value.message
