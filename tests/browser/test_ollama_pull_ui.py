"""Ollama in the editor (issue 16 item 14): `Pull model` with a progress bar that survives a reload, Cancel,
the pulled model in the list; the local parameters (num_ctx, keep_alive, num_gpu) saved in options and sent."""

import threading

import pytest

import playwright.sync_api as playwright  # noqa: E402 (a missing browser stack must fail, not skip)

pytestmark = pytest.mark.browser
expect = playwright.expect


def _ollama_profile(page, live, fake, model="phi3:mini"):
    page.goto(f"{live.url}/profiles/new?provider=ollama")
    page.fill("#f-name", "Ollama box")
    page.fill("#f-ollama-url", fake.url)
    page.fill("#f-model", model)
    page.click("button:has-text('Create profile')")
    page.wait_for_url(lambda url: "/profiles/new" not in url)


def test_pull_with_progress_reload_and_the_model_in_the_list(live, new_page, fake_ollama, provider_env):
    gate = threading.Event()
    fake_ollama.pull_gate, fake_ollama.pull_steps = gate, 4
    page = new_page(live.url)
    _ollama_profile(page, live, fake_ollama)
    page.click("button:has-text('Pull model')")
    status = page.locator("[data-pull-status]")
    expect(status).to_contain_text("Pulling phi3:mini: pulling ")
    expect(page.locator("[data-pull-layers] li")).to_have_count(1)
    expect(page.locator("[data-pull-cancel]")).to_be_visible()
    # A reload finds the pull still going, shows its progress and follows it.
    page.reload()
    expect(status).to_contain_text("Pulling phi3:mini")
    assert page.locator("[data-pull-bar]").get_attribute("value") == "0"
    gate.set()
    expect(status).to_contain_text("Pulled phi3:mini: it is on the server and in the model list.")
    assert page.locator("[data-pull-bar]").evaluate("el => el.value") == 100
    expect(page.locator("[data-pull-layers] li")).to_have_count(2)
    expect(page.locator("[data-pull-layers] li").last).to_contain_text("2.0 kB of 2.0 kB")
    options = page.locator("#model-options option").evaluate_all("els => els.map(e => e.value)")
    assert "phi3:mini" in options
    expect(page.locator("[data-pull-cancel]")).to_be_hidden()


def test_cancel_a_pull(live, new_page, fake_ollama, provider_env):
    gate = threading.Event()
    fake_ollama.pull_gate = gate
    page = new_page(live.url)
    _ollama_profile(page, live, fake_ollama, model="big-model")
    page.click("button:has-text('Pull model')")
    expect(page.locator("[data-pull-status]")).to_contain_text("Pulling big-model")
    page.click("[data-pull-cancel]")
    expect(page.locator("[data-pull-status]")).to_have_text("The pull of big-model was cancelled.")
    gate.set()
    page.reload()
    expect(page.locator("[data-pull-status]")).to_have_text("The pull of big-model was cancelled.")
    assert page.locator("[data-pull-start]").is_enabled()


def test_pull_without_javascript(live, new_page, fake_ollama, provider_env):
    gate = threading.Event()
    fake_ollama.pull_gate = gate
    page = new_page(live.url, javascript=False)
    _ollama_profile(page, live, fake_ollama, model="tiny:1b")
    page.click("button:has-text('Pull model')")
    expect(page.locator("[data-pull-status]")).to_contain_text("Pulling tiny:1b")
    assert page.input_value("#f-model") == "tiny:1b"
    gate.set()
    page.click("[data-pull-refresh]")  # Check progress, until it has ended (bounded by the page timeout)
    for _ in range(50):
        if "Pulled" in page.text_content("[data-pull-status]"):
            break
        page.wait_for_timeout(100)
        page.reload()
    expect(page.locator("[data-pull-status]")).to_contain_text("Pulled tiny:1b")
    assert "tiny:1b" in page.locator("#model-options option").evaluate_all("els => els.map(e => e.value)")


@pytest.mark.parametrize("javascript", [False, True])
def test_local_parameters_are_saved_and_sent(live, new_page, fake_ollama, provider_env, javascript):
    page = new_page(live.url, javascript=javascript)
    _ollama_profile(page, live, fake_ollama, model="llama3.1:latest")
    page.fill("#f-num_ctx", "nope")
    page.click("[data-save]")
    expect(page.locator("#f-num_ctx-error")).to_contain_text("whole number")
    page.fill("#f-num_ctx", "16384")
    page.fill("#f-keep_alive", "1h")
    page.fill("#f-num_gpu", "0")
    page.click("[data-save]")
    expect(page.locator("#f-keep_alive")).to_have_value("1h")
    if not javascript:
        expect(page.locator(".flash-success").first).to_contain_text("saved")
    else:
        expect(page.locator("[data-form-status]").first).to_contain_text("Saved.")
    settings = live.app.extensions["triplo"].config.settings()[0]
    profile = next(p for p in settings["llm_profiles"] if p["name"] == "Ollama box")
    assert {k: profile["options"].get(k) for k in ("num_ctx", "keep_alive", "num_gpu")} == {
        "num_ctx": 16384, "keep_alive": "1h", "num_gpu": 0}
    page.reload()
    expect(page.locator("#f-num_ctx")).to_have_value("16384")
    # Sent on the wire by a chat through the profile.
    sid = live.app.extensions["triplo"].sessions.create_session()["session_id"]
    chat = live.app.extensions["triplo"].chat
    chat.run(chat.plan_chat(sid, _role(live), "Hi", profile["id"]))
    body = fake_ollama.last("chat").body
    assert body["keep_alive"] == "1h" and body["options"]["num_ctx"] == 16384 and body["options"]["num_gpu"] == 0


def _role(live):
    config = live.app.extensions["triplo"].config
    config.mutate(lambda s: s.update(llm_roles=[{"id": "gm", "name": "GM", "ai_config": {}}]), restart=False)
    return "gm"
