"""Issue 24, items 9 and 10: numbers past every bound answer a clear 400 naming the field, never a 500."""

import pytest

from .api_client import tc  # noqa: F401 (fixture)

HUGE = ["9223372036854775808", "1e308", "Infinity", "-Infinity", "-1", "1.5", "true", '"x"', "null"]


@pytest.mark.parametrize("path", ["/api/v1/sessions/{sid}/alternatives", "/sessions/{sid}/alternatives"])
def test_alternatives_with_huge_or_infinite_numbers_answer_400(tc, path):
    sid = tc.post("/api/v1/sessions", {}).body["session_id"]
    for field, other in (("position", "alt_index"), ("alt_index", "position")):
        for value in HUGE:
            raw = f'{{"{field}": {value}, "{other}": 0}}'
            r = tc.post(path.format(sid=sid), data=raw, headers={"Content-Type": "application/json"})
            assert r.status == 400, (field, value, r.text)
            assert field in r.body["fields"], r.text


def test_alternatives_still_accept_small_numbers_and_digit_strings(tc):
    sid = tc.post("/api/v1/sessions", {}).body["session_id"]
    for position in (1, "1", 1.0):
        r = tc.post(f"/api/v1/sessions/{sid}/alternatives", {"position": position, "alt_index": 0})
        assert r.status == 404, r.text  # valid numbers, no such turn yet


@pytest.mark.parametrize("params", [{"until": "9999-12-31"}, {"since": "9999-12-31T23:00:00-05:00"},
                                    {"until": "9999-12-31T23:59:59.999-12:00"}, {"since": "0001-01-01T00:00:00+01:00"}])
def test_usage_bounds_at_the_end_of_the_calendar_answer_400(tc, params):
    r = tc.get("/api/usage", params=params)
    assert r.status == 400, r.text
    assert set(params) <= set(r.body["fields"]), r.text
