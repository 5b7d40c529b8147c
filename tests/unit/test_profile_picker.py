"""The Roles & Chat profile pickers' labels and what a posted picker means; fallback reasons in words."""

from types import SimpleNamespace

import pytest

from webui.errors import ValidationFailed
from webui.web.pages import fallback_words, profile_picker


def view(*profiles):
    return SimpleNamespace(profiles_by_id={p["id"]: p for p in profiles})


TWINS = view({"id": "a", "name": "Fast", "provider": "open_ai", "model": "gpt-4o"},
             {"id": "b", "name": "Fast", "provider": "open_ai", "model": "gpt-4o"},
             {"id": "c", "name": "Local", "provider": "custom", "model": "llama"})


def test_labels_are_unique_and_say_name_provider_and_model():
    labels = [i["label"] for i in profile_picker.choices(TWINS)]
    assert labels == ["Fast · OpenAI · gpt-4o (a)", "Fast · OpenAI · gpt-4o (b)", "Local · OpenAI-compatible · llama"]


@pytest.mark.parametrize("text, wanted", [
    ("", None), ("  ", None), (None, None),
    ("Fast · OpenAI · gpt-4o (b)", "b"), ("c", "c"), ("local", "c"), (" Local · OpenAI-compatible · llama ", "c"),
])
def test_a_posted_picker_is_a_label_an_id_or_a_name_only_one_profile_has(text, wanted):
    assert profile_picker.posted_id(profile_picker.choices(TWINS), text, "profile_id") == wanted


@pytest.mark.parametrize("text, message", [
    ("Slow", "No profile is called “Slow”"), ("Fast · OpenAI · gpt-4o", "No profile is called “Fast · OpenAI · gpt-4o”"),
    ("fast", "2 profiles are called “fast”"),
])
def test_anything_else_is_refused_naming_the_text(text, message):
    with pytest.raises(ValidationFailed) as caught:
        profile_picker.posted_id(profile_picker.choices(TWINS), text, "profile_id")
    assert caught.value.fields == {"profile_id": f"{message}: pick one from the list"}


def test_the_searchable_list_from_ten_profiles():
    assert not profile_picker.searchable([{}] * 9) and profile_picker.searchable([{}] * 10)


def test_fallback_reasons_in_words_in_the_order_tried():
    by_id = {"a": {"name": "Alpha"}, "g": {"name": "Gamma"}}
    meta = {"fallback_from": "a", "fallback_failures": [
        {"profile_id": "a", "error": "budget_exceeded", "message": "Alpha spent $1.00 of $1.00."},
        {"profile_id": "g", "error": "provider_bad_request", "message": "Gamma refused the request."}]}
    assert fallback_words.reasons(meta, by_id) == [
        {"profile": "Alpha", "reason": "over its monthly budget", "message": "Alpha spent $1.00 of $1.00."},
        {"profile": "Gamma", "reason": "Gamma refused the request", "message": "Gamma refused the request."}]
    assert fallback_words.reasons({"fallback_from": "gone"}, by_id) == [
        {"profile": "gone", "reason": "failed", "message": ""}]
    assert fallback_words.reasons({"fallback_from": None}, by_id) == []
