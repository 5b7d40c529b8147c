"""Proxy choice for the urllib3 transport: scheme-specific variables, ALL_PROXY, NO_PROXY forms."""

from webui.providers.http_client import bypassed, proxy_for


def test_no_proxy_forms():
    assert bypassed("api.example.com", 443, "example.com")
    assert bypassed("api.example.com", 443, ".example.com")
    assert not bypassed("notexample.com", 443, "example.com")
    assert bypassed("anything", 80, "*")
    assert bypassed("127.0.0.1", 8080, "localhost, 127.0.0.0/8")
    assert bypassed("10.1.2.3", 80, "10.1.2.3")
    assert bypassed("host.lan", 8080, "host.lan:8080") and not bypassed("host.lan", 9090, "host.lan:8080")
    assert not bypassed("api.openai.com", 443, "")


def test_proxy_for_prefers_scheme_then_all_proxy():
    env = {"HTTPS_PROXY": "http://127.0.0.1:3128", "http_proxy": "http://127.0.0.1:3129", "NO_PROXY": "local.test"}
    assert proxy_for("https", "api.openai.com", None, env) == "http://127.0.0.1:3128"
    assert proxy_for("http", "api.openai.com", None, env) == "http://127.0.0.1:3129"
    assert proxy_for("https", "x.local.test", None, env) is None
    assert proxy_for("https", "h", None, {"ALL_PROXY": "http://127.0.0.1:1"}) == "http://127.0.0.1:1"
    assert proxy_for("https", "h", None, {}) is None
