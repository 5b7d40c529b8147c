"""A session written out (session_export) and the search pieces (sessions_edit): what a reader of the file sees."""

from types import SimpleNamespace

import pytest

from webui.core.chat.session_export import export
from webui.core.chat.sessions import SessionStore
from webui.core.chat.sessions_edit import like_pattern, snippet
from webui.errors import ValidationFailed

VIEW = SimpleNamespace(role_names={"gm": "Game *Master*", "gm2": "Game *Master*", "bard": "Bard"},
                       profiles_by_id={"p2": {"id": "p2", "name": "Second"}})


@pytest.fixture
def store(tmp_path):
    s = SessionStore(tmp_path / "sessions.db")
    yield s
    s.close()


def test_markdown_names_speakers_notes_alternatives_edits_and_unknown_tokens(store):
    sid = store.create_session("# A [night] out")["session_id"]
    line, reply = store.add_messages(sid, [(None, "Sing!", False, {"to_role_id": "bard"}),
                                           ("bard", "La la", True, {"used_profile_id": "p1", "model": "m",
                                                                    "usage": {"prompt_tokens": None},
                                                                    "finish_reason": "length"})])
    store.add_alternative(reply["id"], "Lo lo", {"used_profile_id": "p2", "usage": {"prompt_tokens": 3,
                                                                                     "completion_tokens": 4},
                                                 "cost_usd": 0.5})
    store.add_messages(sid, [("gm2", "I speak", True, {})])
    store.edit_message(sid, line["id"], "Sing, please!")
    text, mimetype, name = export(store.get_session(sid), VIEW, "markdown")
    assert mimetype == "text/markdown" and name == f"session-a-night-out-{sid[:8]}.md"
    assert text.startswith("# \\# A \\[night\\] out\n")  # the title is text, not Markdown
    assert "## You → Bard\n\nSing, please!\n\n*edited*" in text
    assert "## Bard\n\nLo lo\n\n*Second · 3 + 4 tokens · $0.50 · reply 2 of 2*" in text
    assert "## Game \\*Master\\* (gm2)\n\nI speak\n\n*tokens unknown*" in text  # two roles of one name


def test_json_is_the_session_with_speakers_and_an_unknown_format_is_refused(store):
    sid = store.create_session()["session_id"]
    store.add_messages(sid, [("gone", "An old role's line", True, {})])
    text, mimetype, name = export(store.get_session(sid), VIEW, "JSON")
    assert mimetype == "application/json" and name == f"session-{sid[:8]}.json"
    assert '"speaker": "gone"' in text and '"exported_at"' in text  # a deleted role is named by its id
    with pytest.raises(ValidationFailed):
        export(store.get_session(sid), VIEW, "pdf")


@pytest.mark.parametrize("query, pattern", [("50%", "%50\\%%"), ("a_b", "%a\\_b%"), ("C:\\x", "%c:\\\\x%")])
def test_like_patterns_take_wildcards_literally(query, pattern):
    assert like_pattern(query) == pattern


def test_snippets_cut_around_the_hit():
    text = "x" * 100 + " the Dragon sleeps " + "y" * 100
    cut = snippet(text, "dragon")
    assert cut.startswith("…") and cut.endswith("…") and "the Dragon sleeps" in cut and len(cut) < 150
    assert snippet("short dragon", "DRAGON") == "short dragon" and snippet("none", "dragon") is None
