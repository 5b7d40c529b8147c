"""The gateway with a Meter over a real usage ledger: budgets skip to fallbacks or refuse, every attempt is a row."""

import pytest

from webui import errors as E
from webui.core.chat import gateway
from webui.core.usage.metering import Meter
from webui.core.usage.ledger import UsageLedger

from .test_gateway import MESSAGES, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("provider_env")


@pytest.fixture
def ledger(tmp_path):
    led = UsageLedger(tmp_path / "usage.db")
    yield led
    led.close()


def outcomes(ledger):
    ledger.flush()
    return [tuple(r) for r in ledger._conn().execute(
        "SELECT profile_id, outcome, error, fallback_from, cost_usd FROM usage ORDER BY id")]


def test_priced_answer_has_its_cost_on_the_result_and_in_the_ledger(world, ledger):
    world.profiles["a"]["model"] = "gpt-4o"
    result = gateway.chat("a", MESSAGES, world.resolve, world.profiles, Meter(ledger, world.profiles, "chat"))
    assert result.cost_usd == pytest.approx(0.0000975) and result.metadata()["cost_usd"] == result.cost_usd
    assert outcomes(ledger) == [("a", "ok", None, None, pytest.approx(0.0000975))]


def test_over_budget_goes_to_the_fallback_without_calling_the_provider(world, ledger):
    world.profiles["a"]["budget"] = {"monthly_usd": 0}
    result = gateway.chat("a", MESSAGES, world.resolve, world.profiles, Meter(ledger, world.profiles, "chat"))
    assert (result.used_profile_id, result.fallback_from) == ("b", "a") and world.a.count() == 0
    assert result.failures[0]["error"] == "budget_exceeded"
    assert outcomes(ledger) == [("b", "fallback", None, "a", None)]  # "m" has no price


def test_over_budget_without_fallback_is_429_with_spend_and_budget(world, ledger):
    world.profiles["c"]["model"] = "gemini-2.5-flash"
    meter = Meter(ledger, world.profiles, "v1")
    gateway.chat("c", MESSAGES, world.resolve, world.profiles, meter)  # 11 + 7 tokens: $0.0000208
    world.profiles["c"]["budget"] = {"monthly_usd": 0.00002}
    with pytest.raises(E.BudgetExceeded) as err:
        list(gateway.stream("c", MESSAGES, world.resolve, world.profiles, meter))
    assert err.value.status == 429 and err.value.details["budget_usd"] == 0.00002
    assert "$0.0000208 spent of $0.00002" in err.value.message and world.c.count() == 1


def test_failed_attempts_are_rows_and_the_fallback_answers(world, ledger):
    world.a.fail(503, times=5)
    result = gateway.chat("a", MESSAGES, world.resolve, world.profiles, Meter(ledger, world.profiles, "chat"))
    assert result.used_profile_id == "b"
    got = outcomes(ledger)
    assert [(pid, outcome, fallback) for pid, outcome, _, fallback, _ in got] == [("a", "error", None),
                                                                                  ("b", "fallback", "a")]
    assert got[0][2].startswith("provider_")
