"""Pytest fixtures for the fake provider servers: one per kind, plus a factory for more or custom ones."""

import pytest

from . import KINDS, FakeProvider


@pytest.fixture
def fake_provider():
    """Factory: fake_provider(kind, **settings) -> a started FakeProvider, stopped after the test."""
    started = []

    def make(kind, **settings):
        fake = FakeProvider(kind, **settings).start()
        started.append(fake)
        return fake

    yield make
    for fake in started:
        fake.stop()


def _kind_fixture(kind):
    @pytest.fixture
    def fixture(fake_provider):
        return fake_provider(kind)

    fixture.__doc__ = f"A started {kind} FakeProvider (stopped after the test)."
    return fixture


fake_openai = _kind_fixture("open_ai")
fake_openrouter = _kind_fixture("open_router")
fake_custom = _kind_fixture("custom")
fake_azure = _kind_fixture("azure")
fake_anthropic = _kind_fixture("anthropic")
fake_gemini = _kind_fixture("gemini")
fake_ollama = _kind_fixture("ollama")

__all__ = ["KINDS", "fake_provider", "provider_env", "fake_openai", "fake_openrouter", "fake_custom", "fake_azure",
           "fake_anthropic", "fake_gemini", "fake_ollama"]


@pytest.fixture
def provider_env(monkeypatch):
    """Fast, deterministic provider settings: short timeouts, tiny backoff, no stray real keys."""
    monkeypatch.setenv("WEBUI_PROVIDER_CONNECT_TIMEOUT", "2")
    monkeypatch.setenv("WEBUI_PROVIDER_READ_TIMEOUT", "5")
    monkeypatch.setenv("WEBUI_PROVIDER_MAX_RETRIES", "2")
    monkeypatch.setenv("WEBUI_PROVIDER_RETRY_BUDGET", "20")
    monkeypatch.setenv("WEBUI_PROVIDER_BACKOFF", "0.01")
    for name in ("OPENAI_API_KEY", "OPENROUTER_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
