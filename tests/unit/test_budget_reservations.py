"""Budgets by reservation: the worst-case estimate, holds settled or released by the Meter, shared-state faults."""

import time

import pytest

from webui import errors as E
from webui.core.chat import gateway
from webui.core.shared import LocalShared, periods
from webui.core.shared.redis_backend import RedisShared
from webui.core.usage import budgets
from webui.core.usage.budgets import BudgetBook, worst_case_usd
from webui.core.usage.ledger import UsageLedger
from webui.core.usage.metering import Meter
from tests.redis_fixtures import REDIS_URL

from .test_gateway import MESSAGES, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("provider_env")
PRICE = {"input_per_mtok": 1000.0, "output_per_mtok": 2000.0}


@pytest.fixture
def ledger(tmp_path):
    led = UsageLedger(tmp_path / "usage.db")
    yield led
    led.close()


def test_worst_case_is_the_prompt_estimate_plus_max_tokens_at_the_output_price():
    messages = [{"role": "user", "content": "x" * 30}, {"role": "system", "content": [{"type": "text"}]}]
    prompt = budgets.prompt_tokens(messages)
    assert prompt == 10 + 8 + 6 + 8  # ceil(30 / 3), ceil(18 characters of JSON / 3), 8 per message
    profile = {"provider": "open_ai", "model": "gpt-4o", "pricing": PRICE, "max_tokens": 500}
    assert worst_case_usd(profile, messages) == pytest.approx((prompt * 1000 + 500 * 2000) / 1e6)
    no_limit = dict(profile, max_tokens=None)
    assert worst_case_usd(no_limit, messages) == pytest.approx((prompt * 1000 + 8192 * 2000) / 1e6)
    assert worst_case_usd({"provider": "ollama", "model": "llama3"}, messages) == 0.0  # no bill


def test_meter_holds_then_settles_the_real_cost(world, ledger):
    world.profiles["a"].update(pricing=PRICE, max_tokens=100, budget={"monthly_usd": 10})
    book = BudgetBook()
    result = gateway.chat("a", MESSAGES, world.resolve, world.profiles, Meter(ledger, world.profiles, "chat",
                                                                              budgets=book))
    key = f"budget:a:{periods.month()}"
    assert book.shared.committed(key) == pytest.approx(result.cost_usd) == pytest.approx((11 * 1000 + 7 * 2000) / 1e6)


def test_a_failed_call_releases_its_hold(world, ledger):
    world.profiles["a"].update(pricing=PRICE, budget={"monthly_usd": 10}, fallback_profile_ids=[])
    world.a.fail(400)
    book = BudgetBook()
    with pytest.raises(E.ProviderError):
        gateway.chat("a", MESSAGES, world.resolve, world.profiles, Meter(ledger, world.profiles, "chat", budgets=book))
    assert book.shared.committed(f"budget:a:{periods.month()}") == 0.0


def test_holds_in_flight_refuse_the_next_call_before_any_spend(world, ledger):
    """The worst case of a call in flight counts: a budget below it admits one call, the next one is 429."""
    world.profiles["c"].update(pricing=PRICE, max_tokens=1000, budget={"monthly_usd": 1.0})  # worst ~ $2
    book = BudgetBook()
    meter = Meter(ledger, world.profiles, "v1", budgets=book)
    stream = gateway.stream("c", MESSAGES, world.resolve, world.profiles, meter)
    first = next(stream)  # the first delta: this call holds its worst case now
    assert first
    with pytest.raises(E.BudgetExceeded) as err:
        gateway.chat("c", MESSAGES, world.resolve, world.profiles, Meter(ledger, world.profiles, "v1", budgets=book))
    assert err.value.status == 429 and err.value.details["budget_usd"] == 1.0
    list(stream)
    assert book.shared.committed(f"budget:c:{periods.month()}") == pytest.approx((11 * 1000 + 7 * 2000) / 1e6)


def test_month_spend_is_seeded_from_the_ledger(world, ledger):
    world.profiles["c"].update(pricing=PRICE)
    gateway.chat("c", MESSAGES, world.resolve, world.profiles, Meter(ledger, world.profiles, "v1"))  # $0.025
    world.profiles["c"]["budget"] = {"monthly_usd": 0.02}
    with pytest.raises(E.BudgetExceeded):
        gateway.chat("c", MESSAGES, world.resolve, world.profiles,
                     Meter(ledger, world.profiles, "v1", budgets=BudgetBook()))


def test_redis_down_fails_budgeted_calls_closed_and_lets_others_through(world, ledger, redis_proxy, redis_prefix):
    world.profiles["a"].update(budget={"monthly_usd": 5}, fallback_profile_ids=[])
    book = BudgetBook(RedisShared(redis_proxy.url, redis_prefix))
    redis_proxy.cut()
    started = time.monotonic()
    with pytest.raises(E.SharedStateDown) as err:
        gateway.chat("a", MESSAGES, world.resolve, world.profiles, Meter(ledger, world.profiles, "v1", budgets=book))
    assert err.value.status == 503 and err.value.details["profile_id"] == "a" and time.monotonic() - started < 3
    assert world.a.count() == 0
    answer = gateway.chat("b", MESSAGES, world.resolve, world.profiles, Meter(ledger, world.profiles, "v1",
                                                                              budgets=book))
    assert answer.used_profile_id == "b"  # no budget: Redis is not asked


def test_fail_open_keeps_a_process_counter_while_redis_is_down(world, ledger, redis_proxy, redis_prefix):
    world.profiles["a"].update(budget={"monthly_usd": 5}, fallback_profile_ids=[])
    book = BudgetBook(RedisShared(redis_proxy.url, redis_prefix), fail_open=True)
    redis_proxy.cut()
    answer = gateway.chat("a", MESSAGES, world.resolve, world.profiles, Meter(ledger, world.profiles, "v1",
                                                                              budgets=book))
    assert answer.used_profile_id == "a"


def test_a_book_without_shared_state_is_in_process():
    assert BudgetBook().shared.kind == "local" and isinstance(BudgetBook(LocalShared()).shared, LocalShared)
