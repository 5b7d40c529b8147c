"""POST /api/v1/sessions/{id}/compare over real HTTP: one turn from 2-4 profiles, in parallel, kept as alternatives."""

import threading
import time

import pytest

from .chat_helpers import chat, game, new_session, sse_events  # noqa: F401 (fixture)


def compare(game, sid, **body):
    return game.http.post(f"{game.base}/api/v1/sessions/{sid}/compare", json=body)


def test_compare_stores_every_reply_as_an_alternative_of_one_turn(game):
    sid = new_session(game)
    r = compare(game, sid, character_id="gm", llm_profile_ids=["alpha", "beta", "gamma"], message="Which way?")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["llm_profile_id"] for x in body["results"]] == ["alpha", "beta", "gamma"]
    contents = [x["reply"]["content"] for x in body["results"]]
    assert contents == ["Alpha speaks now", "Beta says hello", "Gamma sings a song"]
    for x in body["results"]:
        meta = x["reply"]["metadata"]
        assert x["ok"] and meta["used_profile_id"] == x["llm_profile_id"]
        assert isinstance(meta["latency_ms"], int) and meta["usage"]["completion_tokens"] is not None
    # Every profile saw the same prompt: the role's system prompt and the player's line.
    sent = [f.last("chat" if f is not game.fakes.c else "messages").body["messages"]
            for f in (game.fakes.a, game.fakes.b)]
    assert sent[0] == sent[1] == [{"role": "system", "content": "You narrate the adventure."},
                                  {"role": "user", "content": "Which way?"}]
    session = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()
    player, turn = session["messages"]
    assert player["content"] == "Which way?" and not player["is_ai"]
    assert turn["content"] == "Alpha speaks now" and turn["position"] == body["position"] == 1
    assert [a["content"] for a in turn["alternatives"]] == contents
    # Keep the second: it becomes current, the others stay alternatives; the next turn builds on it.
    r = game.http.post(f"{game.base}/api/v1/sessions/{sid}/alternatives",
                       json={"position": body["position"], "alt_index": body["results"][1]["reply"]["alt_index"]})
    assert r.status_code == 200, r.text
    turn = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"][1]
    assert turn["content"] == "Beta says hello" and len(turn["alternatives"]) == 3
    chat(game, sid, "gm", "Go on.")
    history = game.fakes.a.last("chat").body["messages"]
    assert {"role": "assistant", "content": "Beta says hello"} in history
    assert not any(m["content"] in ("Alpha speaks now", "Gamma sings a song") for m in history)


def test_compare_without_message_is_the_roles_own_turn(game):
    sid = new_session(game)
    r = compare(game, sid, character_id="npc", llm_profile_ids=["alpha", "beta"])
    assert r.status_code == 200, r.text
    messages = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"]
    assert len(messages) == 1 and messages[0]["role_id"] == "npc" and len(messages[0]["alternatives"]) == 2


def test_compare_calls_the_profiles_in_parallel(game):
    game.fakes.a.stall = 4  # the first profile is slow: a serial compare would call the second only after it
    sid = new_session(game)
    done = {}
    worker = threading.Thread(target=lambda: done.setdefault(
        "r", compare(game, sid, character_id="gm", llm_profile_ids=["alpha", "beta"], message="Hi")))
    worker.start()
    deadline = time.monotonic() + 10
    while game.fakes.b.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert game.fakes.b.count() == 1 and "r" not in done  # beta was asked while alpha was still answering
    worker.join(15)
    assert done["r"].status_code == 200


def test_a_failing_profile_is_reported_and_the_others_kept(game):
    game.fakes.b.fail(400, "bad request for beta")
    sid = new_session(game)
    r = compare(game, sid, character_id="gm", llm_profile_ids=["beta", "alpha"], message="Hi")
    assert r.status_code == 200, r.text
    bad, good = r.json()["results"]
    assert not bad["ok"] and bad["error"]["message"] and "reply" not in bad
    assert good["ok"] and good["reply"]["alt_index"] == 0 and good["reply"]["is_current"]
    turn = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"][1]
    assert turn["content"] == "Alpha speaks now" and "alternatives" not in turn


def test_nothing_is_stored_when_every_profile_fails(game):
    game.fakes.a.fail(400, "no")
    game.fakes.b.fail(400, "no")
    sid = new_session(game)
    r = compare(game, sid, character_id="gm", llm_profile_ids=["alpha", "beta"], message="Hi")
    assert r.status_code == 400, r.text
    assert game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"] == []


def test_streamed_compare_tells_each_answer_as_it_ends_then_the_json_answer(game):
    game.fakes.a.hold = threading.Event()  # alpha is slow: beta's answer must come out first
    sid = new_session(game)
    with game.http.post(f"{game.base}/api/v1/sessions/{sid}/compare", stream=True, json={
            "character_id": "gm", "llm_profile_ids": ["alpha", "beta"], "message": "Hi", "stream": True}) as r:
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/event-stream")
        lines = r.iter_lines(decode_unicode=True)
        first = next(line for line in lines if line.startswith("data:"))
        assert '"llm_profile_id": "beta"' in first and '"Beta says hello"' in first  # alpha still thinking
        game.fakes.a.hold.set()
        rest = "\n".join(lines)
    events = sse_events("event: answer\n" + first + "\n\n" + rest)
    assert [name for name, _ in events] == ["answer", "answer", "done"]
    assert [e["llm_profile_id"] for _, e in events[:2]] == ["beta", "alpha"]
    assert events[1][1]["content"] == "Alpha speaks now" and events[1][1]["metadata"]["used_profile_id"] == "alpha"
    done = events[2][1]  # the same answer as without stream, in the order asked
    assert [x["llm_profile_id"] for x in done["results"]] == ["alpha", "beta"]
    assert [x["reply"]["content"] for x in done["results"]] == ["Alpha speaks now", "Beta says hello"]
    turn = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"][1]
    assert len(turn["alternatives"]) == 2 and turn["position"] == done["position"]


def test_streamed_compare_reports_a_failed_profile_and_an_all_failed_turn(game):
    game.fakes.b.fail(400, "bad request for beta")
    sid = new_session(game)
    r = compare(game, sid, character_id="gm", llm_profile_ids=["alpha", "beta"], message="Hi", stream=True)
    events = dict((e["llm_profile_id"], e) if name == "answer" else (name, e) for name, e in sse_events(r.text))
    assert not events["beta"]["ok"] and "bad request for beta" in events["beta"]["error"]["message"]
    assert [x["ok"] for x in events["done"]["results"]] == [True, False]
    game.fakes.a.fail(400, "no")
    game.fakes.b.fail(400, "no")
    r = compare(game, sid, character_id="gm", llm_profile_ids=["alpha", "beta"], message="Again", stream=True)
    assert [name for name, _ in sse_events(r.text)] == ["answer", "answer", "error"]
    assert len(game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"]) == 2  # nothing added


def test_streamed_compare_is_stored_even_when_the_reader_leaves(game):
    game.fakes.a.hold = threading.Event()
    sid = new_session(game)
    with game.http.post(f"{game.base}/api/v1/sessions/{sid}/compare", stream=True, json={
            "character_id": "gm", "llm_profile_ids": ["alpha", "beta"], "message": "Hi", "stream": True}) as r:
        next(line for line in r.iter_lines(decode_unicode=True) if line.startswith("data:"))
    game.fakes.a.hold.set()  # the reader has gone; alpha answers now
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        messages = game.http.get(f"{game.base}/api/v1/sessions/{sid}").json()["messages"]
        if messages:
            break
        time.sleep(0.05)
    assert [a["content"] for a in messages[1]["alternatives"]] == ["Alpha speaks now", "Beta says hello"]


@pytest.mark.parametrize("body, status", [
    ({"character_id": "gm", "llm_profile_ids": ["alpha"]}, 400),
    ({"character_id": "gm", "llm_profile_ids": ["alpha", "alpha"]}, 400),
    ({"character_id": "gm", "llm_profile_ids": ["alpha", "beta", "gamma", "alpha", "beta"]}, 400),
    ({"character_id": "gm", "llm_profile_ids": "alpha,beta"}, 400),
    ({"character_id": "gm", "llm_profile_ids": ["alpha", "nope"]}, 404),
    ({"character_id": "nobody", "llm_profile_ids": ["alpha", "beta"]}, 404),
    ({"llm_profile_ids": ["alpha", "beta"]}, 400),
    ({"character_id": "gm", "llm_profile_ids": ["alpha", "beta"], "message": "  "}, 400),
    ({"character_id": "gm", "llm_profile_ids": ["alpha", "beta"], "stream": "yes"}, 400),
    ({"character_id": "gm", "llm_profile_ids": ["alpha"], "stream": True}, 400),
])
def test_bad_compare_requests(game, body, status):
    sid = new_session(game)
    r = compare(game, sid, **body)
    assert r.status_code == status, r.text
    assert game.fakes.a.count() == game.fakes.b.count() == 0


def test_compare_on_an_unknown_session_is_404(game):
    r = compare(game, "no-such-session", character_id="gm", llm_profile_ids=["alpha", "beta"])
    assert r.status_code == 404


def test_the_side_by_side_page_shows_cost_when_the_metadata_has_it(game):
    sid = new_session(game)
    meta = {"used_profile_id": "alpha", "provider_type": "open_ai", "model": "gpt-4o", "latency_ms": 12,
            "usage": {"prompt_tokens": 3, "completion_tokens": 4}, "finish_reason": "stop", "cost_usd": 0.0123}
    stored = game.app.extensions["triplo"].sessions.add_compared(
        sid, "Hi", "gm", [("One", meta), ("Two", dict(meta, used_profile_id="beta", cost_usd=None))])
    page = game.http.get(f"{game.base}/roles?session={sid}&compare={stored[0]['position']}").text
    cards = page.split('class="compare-card')[1:]
    assert len(cards) == 2
    assert 'data-part="cost">$0.01<' in cards[0] and 'data-part="cost"' not in cards[1]  # forms.usd: cents
    assert "12 ms" in cards[0] and "3 → 4 tokens" in cards[0]


def test_compared_replies_are_costed_and_in_the_usage_ledger(game):
    """Each profile of a comparison is a provider call like any other: cost_usd in its metadata, a ledger row."""
    sid = new_session(game)
    r = compare(game, sid, character_id="gm", llm_profile_ids=["alpha", "beta"], message="Which way?")
    assert r.status_code == 200, r.text
    for result in r.json()["results"]:
        assert "cost_usd" in result["reply"]["metadata"]
    beta = r.json()["results"][1]["reply"]["metadata"]
    assert beta["cost_usd"] == 0  # a local OpenAI-compatible server costs nothing unless priced
    rows = game.http.get(f"{game.base}/api/usage", params={"group_by": "session"}).json()["rows"]
    mine = next(row for row in rows if row["key"] == sid)
    assert mine["requests"] == 2
