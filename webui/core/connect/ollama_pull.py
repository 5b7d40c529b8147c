"""Ollama model pulls that outlive the request: one background worker per (server URL, model), in-process.

A worker is a thread (a greenlet under the gevent worker, whose threading is patched), so a pull of many minutes
costs no OS thread. The page polls status(); a reload finds the same pull by its server URL and model.
"""

import threading
import time

from webui.errors import TooManyPulls, ValidationFailed, WebUIError
from webui import settings as webui_settings

RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"
KEEP_FINISHED = 600  # seconds a finished pull stays visible (a reload still shows how it ended)
MAX_FINISHED = 32  # finished pulls kept at most (the oldest go first)
MAX_MODEL = 200


def key_of(url, model):
    """The registry key: the server URL without a trailing slash (case-folded), and the model with its tag."""
    name = str(model or "").strip()
    return str(url or "").strip().rstrip("/").lower(), name if ":" in name else name + ":latest"


class Pull:
    """One pull's progress: the latest status line, bytes per layer, the outcome."""

    def __init__(self, url, model, max_layers=256):
        self.url, self.model = url, model
        self.state, self.status, self.error = RUNNING, "starting", None
        self.layers = {}  # digest -> {"total", "completed"}; at most max_layers (WEBUI_MAX_PULL_LAYERS)
        self.max_layers, self.untracked = max_layers, 0
        self.cancel = threading.Event()
        self.finished_at = None
        self.models = None  # the server's list once the pull succeeded

    def apply(self, line):
        """Take one of Ollama's status lines into account."""
        self.status = str(line.get("status") or self.status)[:200]
        digest = line.get("digest")
        if isinstance(digest, str) and isinstance(line.get("total"), int):
            if digest not in self.layers and len(self.layers) >= self.max_layers:
                self.untracked += 1  # counted, not kept: a server inventing layers cannot grow the status
                return
            digest = digest[:100]
            completed = line.get("completed") if isinstance(line.get("completed"), int) else 0
            self.layers[digest] = {"total": line["total"], "completed": min(completed, line["total"])}

    def end(self, state, error=None):
        if self.state == RUNNING:  # a cancel already said how it ended
            self.state, self.error = state, error
        self.finished_at = time.monotonic()

    def view(self):
        """What the page and the API show (no token, ever)."""
        total = sum(layer["total"] for layer in self.layers.values())
        done = sum(layer["completed"] for layer in self.layers.values())
        layers = [{"digest": d, **layer} for d, layer in self.layers.items()]
        return {"url": self.url, "model": self.model, "state": self.state, "status": self.status,
                "error": self.error, "layers": layers, "total": total, "completed": done,
                "percent": (100 if self.state == DONE else int(done * 100 / total)) if total else None,
                "models": self.models, "untracked_layers": self.untracked}


class PullRegistry:
    """The pulls of this process, keyed by (server URL, model)."""

    def __init__(self):
        self._pulls = {}
        self._lock = threading.Lock()

    def start(self, adapter, url, token, model, on_success=None):
        """Start a pull (or return the one already running for that server and model) -> its view."""
        model = str(model or "").strip()
        if not model or len(model) > MAX_MODEL or any(c.isspace() for c in model):
            raise ValidationFailed({"model": "enter the model to pull, like llama3.2 or qwen2:7b"})
        key = key_of(url, model)
        config = webui_settings.current()
        with self._lock:
            self._forget_old()
            pull = self._pulls.get(key)
            if pull is not None and pull.state == RUNNING:
                return pull.view()
            running = sum(p.state == RUNNING for p in self._pulls.values())
            if running >= config.max_pulls:
                raise TooManyPulls(f"{running} model pulls are running; wait for one to finish or cancel one "
                                   f"(WEBUI_MAX_PULLS={config.max_pulls}).", retry_after=10)
            pull = self._pulls[key] = Pull(url, model, config.max_pull_layers)
        worker = threading.Thread(target=self._run, args=(pull, adapter, url, token, on_success),
                                  name=f"ollama-pull-{model}", daemon=True)
        worker.start()
        return pull.view()

    def status(self, url, model):
        """The view of the pull for that server and model, or None."""
        with self._lock:
            pull = self._pulls.get(key_of(url, model))
        return pull.view() if pull else None

    def cancel(self, url, model):
        """Stop a running pull (the worker leaves at its next status line); its view, or None."""
        with self._lock:
            pull = self._pulls.get(key_of(url, model))
        if pull is None:
            return None
        pull.cancel.set()
        pull.end(CANCELLED)
        return pull.view()

    def _run(self, pull, adapter, url, token, on_success):
        lines = adapter.pull(url, token, pull.model)
        try:
            for line in lines:
                if pull.cancel.is_set():
                    break
                pull.apply(line)
            else:
                try:  # the model is there even if the list cannot be read right now
                    pull.models = on_success() if on_success else None
                except WebUIError:
                    pull.models = None
                pull.end(DONE)
                return
        except WebUIError as exc:
            pull.end(FAILED, exc.message)
        except Exception as exc:  # noqa: BLE001 - a worker must record how it ended, whatever broke
            pull.end(FAILED, f"The pull stopped unexpectedly ({type(exc).__name__})")
        finally:
            lines.close()  # releases the connection (a cancelled pull stops reading here)
        pull.end(CANCELLED)

    def _forget_old(self):
        """Drop finished pulls after KEEP_FINISHED s, and the oldest finished ones beyond MAX_FINISHED."""
        now = time.monotonic()
        for key, pull in list(self._pulls.items()):
            if pull.finished_at is not None and now - pull.finished_at > KEEP_FINISHED:
                del self._pulls[key]
        finished = sorted((p.finished_at, k) for k, p in self._pulls.items() if p.finished_at is not None)
        for _, key in finished[:max(0, len(finished) - MAX_FINISHED)]:
            del self._pulls[key]


PULLS = PullRegistry()


# ---- the editor's values -> a pull (a stored token only goes to the URL it is stored for) ----------------

def _adapter():
    from webui.providers import get_adapter

    return get_adapter("ollama")


def _connection(svc, form, with_token):
    from webui.core.connect.model_lists import check_form, form_connection

    form = dict(form, provider="ollama")
    _, errors = check_form(form)
    if errors:
        raise ValidationFailed(errors)
    if with_token:
        url, api_key, token = form_connection(svc, form, "ollama")
    else:  # status and cancel need the server only
        settings, _ = svc.settings()
        url = (form.get("url") or form.get("base_url") or "").strip() or _stored_url(settings, form)
        api_key = token = None
    return _adapter().base_url(url), token or api_key


def _stored_url(settings, form):
    from webui.core.config import credentials

    cred = credentials.credentials_of(settings).get((form.get("credential_id") or "").strip() or "ollama") or {}
    return cred.get("url") or settings.get("ollama_url")


def start_pull(svc, form):
    """Start pulling form["model"] on the form's Ollama server; the model list is refreshed when it ends."""
    from webui.providers import models_cache

    url, token = _connection(svc, form, with_token=True)
    adapter = _adapter()
    return PULLS.start(adapter, url, token, form.get("model"),
                       on_success=lambda: models_cache.CACHE.get(adapter, None, url, token, refresh=True))


def pull_status(svc, form):
    """The pull of form["model"] on the form's server, or None."""
    url, _ = _connection(svc, form, with_token=False)
    return PULLS.status(url, form.get("model"))


def cancel_pull(svc, form):
    """Cancel that pull; its view, or None."""
    url, _ = _connection(svc, form, with_token=False)
    return PULLS.cancel(url, form.get("model"))
