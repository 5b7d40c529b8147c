"""WEBUI_MAX_STREAMS bookkeeping: a full cap refuses at once with Retry-After; released slots come back once."""

import pytest

from webui.errors import ServerBusy
from webui.web.capacity import DEFAULT_MAX_STREAMS, StreamSlots


def test_cap_refuses_at_once_and_slots_come_back_once():
    slots = StreamSlots.from_env({"WEBUI_MAX_STREAMS": "2"})
    first, second = slots.take(), slots.take()
    with pytest.raises(ServerBusy) as caught:
        slots.take()
    assert caught.value.status == 503 and caught.value.details["retry_after"] > 0
    first.release()
    first.release()  # idempotent: a response closed twice gives its slot back once
    assert slots.open == 1
    slots.take()
    second.release()
    assert slots.open == 1


@pytest.mark.parametrize("value", ["", "0", "-3", "many"])
def test_bad_values_fall_back_to_the_default(value):
    assert StreamSlots.from_env({"WEBUI_MAX_STREAMS": value}).limit == DEFAULT_MAX_STREAMS
