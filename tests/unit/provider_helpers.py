"""Helpers for the adapter tests: build a Call against a fake, the planted key, a short conversation."""

from webui.providers.results import Call

PLANTED = "sk-test-PLANTED-abc123"

MESSAGES = [
    {"role": "system", "content": "You are the game master."},
    {"role": "user", "content": "Where am I?"},
]


def call_for(fake, provider, api_key=PLANTED, token=None, base_url=None, **profile):
    """A Call for `provider` pointed at `fake`, with a profile built from keyword fields."""
    prof = {"id": "p1", "name": "Test", "provider": provider, "model": fake.models[0], "options": {},
            "extra_params": {}, "fallback_profile_ids": []}
    prof.update(profile)
    return Call(profile=prof, api_key=api_key, base_url=base_url or fake.base_url, token=token)


def split_stream(items):
    """(deltas, the StreamEnd) of a finished stream; asserts exactly one StreamEnd, at the end."""
    from webui.providers.results import StreamEnd

    items = list(items)
    ends = [i for i in items if isinstance(i, StreamEnd)]
    assert len(ends) == 1 and items[-1] is ends[0]
    return items[:-1], ends[0]
