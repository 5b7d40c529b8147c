"""Run the app under gunicorn from Python, with the same settings as supervisord.conf and the Dockerfile."""

from gunicorn.app.base import BaseApplication

from webui.serve.gunicorn_conf import settings


class _App(BaseApplication):
    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from webui.web.app import create_app

        return create_app()


def run_gunicorn(host, port):
    """gunicorn with webui.serve.gunicorn_conf (one gevent worker) bound to host:port."""
    _App(dict(settings(), bind=f"{host}:{port}")).run()
    return 0
