"""The server runtime: gunicorn config, the gevent worker, its resolver and access log."""
