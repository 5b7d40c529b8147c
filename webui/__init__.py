"""Triplo Web UI: configures the Triplo AI desktop app; multi-provider LLM profiles and gateway."""


def create_app(test_config=None):
    """Application factory; imported lazily so the core never pulls in Flask."""
    from webui.web.app import create_app as _create_app

    return _create_app(test_config)
