"""The stream path's speed-ups keep behaviour: fast frames equal the general ones, the session serializer follows
the secret key, decrypted keys follow a change made by another process, IP literals resolve without a thread."""

import json

import pytest
from flask import Flask

from webui.web.api.openai_face import chunker, text_framer
from webui.web.security import SessionInterface
from webui.web.sse import delta_frame, sse

TEXTS = ["", "hi", "t00 ", 'quote " and \\ backslash', "line\nbreak\r\n", "é ü 漢字 🙂", "\u2028\x00\x1f",
         "data: [DONE]\n\n", "\ufffe"]


@pytest.mark.parametrize("model", ["bench", 'odd "model" é', "role:gm", "\ufffe"])
@pytest.mark.parametrize("include_usage", [False, True])
def test_text_frames_equal_the_general_chunk(model, include_usage):
    chunk = chunker("chatcmpl-x", 1700000000, model, include_usage)
    frame = text_framer(chunk)
    for text in TEXTS:
        assert frame(text) == chunk({"content": text}).encode()
        assert json.loads(frame(text).decode()[len("data: "):])["choices"][0]["delta"] == {"content": text}


def test_delta_frames_equal_the_general_sse():
    for text in TEXTS:
        assert delta_frame(text) == sse({"delta": text}).encode()


def test_session_serializer_is_reused_and_remade_when_the_key_changes():
    app = Flask(__name__)
    app.secret_key = "one"
    interface = SessionInterface()
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    signed = first.dumps({"user": "admin"})
    app.secret_key = "two"
    second = interface.get_signing_serializer(app)
    assert second is not first and second.loads(second.dumps({"a": 1})) == {"a": 1}
    with pytest.raises(Exception):
        second.loads(signed)  # a cookie signed with the old key is not accepted under the new one
    app.config["SECRET_KEY_FALLBACKS"] = ["one"]
    assert interface.get_signing_serializer(app).loads(signed) == {"user": "admin"}
    app.secret_key = None
    assert interface.get_signing_serializer(app) is None


# ---- the decrypted-key cache and the resolver ------------------------------------------------------------

KEY_ONE, KEY_TWO = "sk-stream-path-1111-1111", "sk-stream-path-2222-2222"
OTHER_PROCESS = """
import sys
from webui.core.config import profile_ops
from webui.core.config.service import ConfigService
profile_ops.update_profile(ConfigService(sys.argv[1], environ={}), "p", {"api_key": sys.argv[2]}, restart=False)
"""


def _key_of(svc):
    from webui.core.config import credentials, profiles

    settings, _ = svc.settings()
    return credentials.resolve_key(settings, profiles.find(settings, "p"), svc.vault, {})


def test_decrypted_keys_follow_a_change_made_by_another_process(tmp_path):
    import subprocess
    import sys

    from webui.core.config import profile_ops
    from webui.core.config.service import ConfigService

    svc = ConfigService(str(tmp_path), environ={})
    profile_ops.create_profile(svc, {"id": "p", "name": "P", "provider": "open_ai", "model": "gpt-4o-mini",
                                     "api_key": KEY_ONE}, restart=False)
    assert _key_of(svc) == KEY_ONE and _key_of(svc) == KEY_ONE  # the second answer comes from the cache
    assert KEY_ONE in svc.vault._plain.values()
    subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(tmp_path), KEY_TWO], check=True, timeout=60)
    assert _key_of(svc) == KEY_TWO  # a new token in the file: opened afresh, never the cached old key


def test_decrypt_cache_is_bounded_and_still_refuses_foreign_tokens():
    from cryptography.fernet import Fernet

    from webui.core.storage.vault import Vault
    from webui.errors import SecretUnreadable

    vault, other = Vault(Fernet(Fernet.generate_key())), Vault(Fernet(Fernet.generate_key()))
    stored = [vault.encrypt(f"secret-{i}") for i in range(600)]
    assert [vault.decrypt(s) for s in stored] == [f"secret-{i}" for i in range(600)]
    assert len(vault._plain) <= 512
    with pytest.raises(SecretUnreadable):
        other.decrypt(stored[0])  # one vault's cache never opens another key's tokens


def test_resolver_answers_ip_literals_inline_and_names_as_before():
    import socket

    from webui.serve.resolver import Resolver, ip_literal

    assert ip_literal("127.0.0.1") and ip_literal(b"::1") and ip_literal("fe80::1%lo")
    assert not ip_literal("localhost") and not ip_literal("api.openai.com") and not ip_literal(None)
    resolver = Resolver()
    assert resolver.getaddrinfo("127.0.0.1", 8080, 0, socket.SOCK_STREAM)[0][4] == ("127.0.0.1", 8080)
    assert resolver.getaddrinfo("::1", 8080, socket.AF_INET6, socket.SOCK_STREAM)[0][4][:2] == ("::1", 8080)
    assert any(a[4][0] in ("127.0.0.1", "::1") for a in resolver.getaddrinfo("localhost", 80, 0,
                                                                           socket.SOCK_STREAM))


def test_access_log_lines_are_the_stock_loggers():
    import datetime
    from types import SimpleNamespace

    from gunicorn import glogging
    from gunicorn.config import Config

    from webui.serve.access_log import ACCESS_LOG_FORMAT, AccessLogger

    cfg = Config()
    cfg.set("access_log_format", ACCESS_LOG_FORMAT)
    environ = {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "POST", "PATH_INFO": '/v1/chat/"x"',
               "RAW_URI": "/v1/chat?key=secret", "SERVER_PROTOCOL": "HTTP/1.1", "QUERY_STRING": "key=secret"}
    took = datetime.timedelta(seconds=1, microseconds=234567)
    for resp in (SimpleNamespace(status="200 OK", sent=1234, headers=[("X", "y")]),
                 SimpleNamespace(status=503, sent=None, headers=[])):
        lines = [ACCESS_LOG_FORMAT % glogging.SafeAtoms(logger.atoms(resp, SimpleNamespace(headers=[]), environ, took))
                 for logger in (glogging.Logger(cfg), AccessLogger(cfg))]
        assert lines[0] == lines[1] and "secret" not in lines[1]
    cfg.set("access_log_format", "%(h)s %(t)s %(a)s")  # another format: the stock fields, all of them
    assert "t" in AccessLogger(cfg).atoms(resp, SimpleNamespace(headers=[]), environ, took)
