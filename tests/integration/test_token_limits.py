"""Per-token limits: RPM under 30 concurrent calls (one instance, and two sharing Redis), TPM, the monthly
budget and the profile allowlist; each refusal in the face's own error shape with the code naming the limit."""

import time
from concurrent.futures import ThreadPoolExecutor

import openai
import pytest

from tests.app_fixtures import http_session, make_app
from tests.redis_fixtures import REDIS_URL

from .chat_helpers import game, new_session  # noqa: F401 (fixture)

HI = [{"role": "user", "content": "Hi"}]


def _token(app, **limits):
    _record, plaintext = app.extensions["triplo"].auth.create_token("limited", scope="chat", limits=limits)
    return plaintext


def _complete(base, token, model="alpha", **extra):
    http = http_session(base, {"Authorization": f"Bearer {token}"}, trust_env=False)
    try:
        return http.post(f"{base}/v1/chat/completions", json={"model": model, "messages": HI, **extra}, timeout=20)
    finally:
        http.close()


def _refusal(response, status, code):
    assert response.status_code == status, response.text
    error = response.json()["error"]  # OpenAI's shape on /v1
    assert error["code"] == code and error["message"], error
    if status == 429:
        assert int(response.headers["Retry-After"]) >= 1


def test_rpm_holds_under_30_concurrent_calls(game):
    token = _token(game.app, rpm=10)
    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(lambda _: _complete(game.base, token), range(30)))
    passed = [a for a in answers if a.status_code == 200]
    assert len(passed) == 10, [a.status_code for a in answers]
    for refused in (a for a in answers if a.status_code != 200):
        _refusal(refused, 429, "rate_limited_rpm")


def test_rpm_holds_across_two_instances_sharing_redis(config_dir, live_server, redis_server, redis_prefix):
    env = {"WEBUI_REDIS_URL": REDIS_URL, "WEBUI_REDIS_PREFIX": redis_prefix}
    one, two = live_server(make_app(config_dir, **env)), live_server(make_app(config_dir, **env))
    token = _token(one.app, rpm=10)

    def models(i):
        base = (one, two)[i % 2].url
        http = http_session(base, {"Authorization": f"Bearer {token}"}, trust_env=False)
        try:
            return http.get(f"{base}/v1/models", timeout=20)
        finally:
            http.close()

    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(models, range(30)))
    assert sum(a.status_code == 200 for a in answers) == 10, [a.status_code for a in answers]
    _refusal(next(a for a in answers if a.status_code != 200), 429, "rate_limited_rpm")


CALL_USD = 0.0000975  # one alpha call: gpt-4o, 11 prompt + 7 completion tokens


def _budget_burst(game, bases, token, budget):
    """30 calls at once (the fake answers slowly, so they overlap) spread over `bases`: the answers, after
    checking each is a 200 or the budget's 429, and that the 200s spent at most one worst case past the budget."""
    from webui.core.usage.budgets import worst_case_usd

    game.fakes.a.stall = 0.3
    # max_tokens bounds the worst case a hold reserves (the reply's 7 tokens are within it)
    worst = worst_case_usd(dict(game.app.extensions["triplo"].config.view().profile("alpha"), max_tokens=10), HI)
    assert CALL_USD < worst < 2 * CALL_USD
    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(lambda i: _complete(bases[i % len(bases)], token, max_tokens=10), range(30)))
    ok = [a for a in answers if a.status_code == 200]
    for refused in (a for a in answers if a.status_code != 200):
        _refusal(refused, 429, "token_budget_exceeded")
    assert len(ok) >= 2 and len(ok) < 30, len(ok)  # without holds every call would pass the check made before it costs
    assert len(ok) * CALL_USD <= budget + worst + 1e-12, (len(ok), worst)
    return ok


def test_token_budget_holds_under_30_concurrent_calls(game):
    budget = 4 * CALL_USD
    token = _token(game.app, budget_usd=budget)
    ok = _budget_burst(game, [game.base], token, budget)
    usage = game.http.get(f"{game.base}/api/usage?group_by=token").json()
    row = next(r for r in usage["rows"] if r["key"] != "(none)" and r["requests"])
    assert row["requests"] == len(ok) and row["cost_usd"] == pytest.approx(len(ok) * CALL_USD)


def test_token_budget_holds_across_two_instances_sharing_redis(game, live_server, redis_server, redis_prefix):
    env = {"WEBUI_REDIS_URL": REDIS_URL, "WEBUI_REDIS_PREFIX": redis_prefix}
    one, two = live_server(make_app(game.config_dir, **env)), live_server(make_app(game.config_dir, **env))
    budget = 4 * CALL_USD
    token = _token(one.app, budget_usd=budget)
    _budget_burst(game, [one.url, two.url], token, budget)
    import redis

    shared = redis.Redis.from_url(REDIS_URL)
    keys = list(shared.scan_iter(match=f"{redis_prefix}token-budget:*"))
    assert keys, "the budget lives in Redis, where both instances count it"
    assert not [k for k in shared.hkeys(keys[0]) if k.startswith(b"h:")]  # every hold settled or released


def _tpm_burst(game, bases, token, tpm):
    """30 overlapping calls with max_tokens=10 spread over `bases`; the answered ones."""
    from webui.core.usage.budgets import prompt_tokens

    if time.time() % 60 > 50:  # TPM counts per calendar minute: run the burst inside one
        time.sleep(60 - time.time() % 60 + 0.1)
    game.fakes.a.stall = 0.3  # the calls overlap: each is held at its worst case before any has answered
    worst = prompt_tokens(HI) + 10  # the prompt estimate + max_tokens
    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(lambda i: _complete(bases[i % len(bases)], token, max_tokens=10), range(30)))
    ok = [a for a in answers if a.status_code == 200]
    for refused in (a for a in answers if a.status_code != 200):
        _refusal(refused, 429, "rate_limited_tpm")
    # holds are granted while the minute's count is under the limit: at most ceil(tpm / worst) at once
    assert 2 <= len(ok) <= -(-tpm // worst), len(ok)
    assert sum(a.json()["usage"]["total_tokens"] for a in ok) == 18 * len(ok)
    for base in bases:  # settled: the minute is spent, on every instance
        _refusal(_complete(base, token, max_tokens=10), 429, "rate_limited_tpm")
    return ok


def test_tpm_holds_under_30_concurrent_calls(game):
    _tpm_burst(game, [game.base], _token(game.app, tpm=60), 60)


def test_tpm_holds_across_two_instances_sharing_redis(game, live_server, redis_server, redis_prefix):
    env = {"WEBUI_REDIS_URL": REDIS_URL, "WEBUI_REDIS_PREFIX": redis_prefix}
    one, two = live_server(make_app(game.config_dir, **env)), live_server(make_app(game.config_dir, **env))
    _tpm_burst(game, [one.url, two.url], _token(one.app, tpm=60), 60)


def test_tpm_counts_the_tokens_of_answered_calls(game):
    token = _token(game.app, tpm=10)
    assert _complete(game.base, token).status_code == 200  # 11 + 7 tokens: the minute is spent
    _refusal(_complete(game.base, token), 429, "rate_limited_tpm")


def test_budget_refuses_once_spent_in_the_sdk_and_the_game_master_api(game):
    token = _token(game.app, budget_usd=0.00005)  # one gpt-4o call (11 + 7 tokens) costs 0.0000975
    client = openai.OpenAI(base_url=f"{game.base}/v1", api_key=token, max_retries=0)
    assert client.chat.completions.create(model="alpha", messages=HI).choices
    with pytest.raises(openai.RateLimitError) as refused:
        client.chat.completions.create(model="alpha", messages=HI)
    assert refused.value.body["code"] == "token_budget_exceeded"
    sid = new_session(game)
    bearer = http_session(game.base, {"Authorization": f"Bearer {token}"}, trust_env=False)
    r = bearer.post(f"{game.base}/api/v1/sessions/{sid}/chat", json={"role_id": "gm", "message": "Hello"})
    assert r.status_code == 429 and r.json()["error"] == "token_budget_exceeded" and r.headers["Retry-After"]


def test_profile_allowlist(game):
    token = _token(game.app, profiles="alpha")
    assert _complete(game.base, token, "alpha").status_code == 200
    _refusal(_complete(game.base, token, "beta"), 403, "profile_not_allowed")


def test_limits_are_checked_and_shown_on_the_access_tab(game):
    page = game.http.get(f"{game.base}/access").text
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    bad = game.http.post(f"{game.base}/access/tokens", data={"csrf_token": csrf, "name": "x", "scope": "chat",
                                                              "rpm": "-3", "budget_usd": "lots"})
    assert bad.status_code == 400 and "whole number" in bad.text and "amount in USD" in bad.text
    made = game.http.post(f"{game.base}/access/tokens", data={"csrf_token": csrf, "name": "client", "scope": "chat",
                                                               "rpm": "60", "budget_usd": "5", "profiles": "alpha, beta"})
    assert made.status_code == 201
    listed = game.http.get(f"{game.base}/access").text
    assert "60 req/min" in listed and "$5.0/month" in listed and "profiles: alpha, beta" in listed
