"""Command line: serve, seed, rotate-key, set-password, create-token, export, import (SPEC §8)."""

import argparse
import getpass
import os
import sys

from webui.core.storage.paths import config_dir
from webui.settings import Settings


def _serve(args):
    """Run under gunicorn (one gevent worker: a streamed reply costs no thread); --dev uses Flask's server."""
    config = Settings.from_env()
    host = args.host or config.host
    port = int(args.port or config.port)
    if args.dev:
        from webui import create_app

        create_app().run(host=host, port=port, debug=False, threaded=True)
        return 0
    from webui.serve.server import run_gunicorn

    return run_gunicorn(host, port)


def _seed(args):
    from webui.core.config.seed import seed

    return seed(config_dir(), os.environ, force=args.force, out=sys.stdout)


def _rotate_key(args):
    from webui.core.access.keyrotation import rotate_key

    return rotate_key(config_dir(), os.environ, out=sys.stdout)


def _auth_store():
    """The login store this environment uses (webui-auth.json, or PostgreSQL with WEBUI_DATABASE_URL)."""
    from webui.core.access.auth import AuthStore
    from webui.core.storage import backend

    return AuthStore(config_dir(), document=backend.auth_document(os.environ))


def _migrate_store(args):
    """Copy this config folder into an empty PostgreSQL database, all or nothing."""
    from webui.core.storage.pg.database import redacted
    from webui.core.storage.pg.migrate import migrate
    from webui.errors import WebUIError

    folder = config_dir()
    if not args.url.startswith(("postgresql://", "postgres://")):
        print("migrate-store needs a postgresql://user@host:port/database URL.", file=sys.stderr)
        return 2
    try:
        counts = migrate(folder, args.url)
    except WebUIError as exc:
        print(f"Nothing copied: {exc.message}", file=sys.stderr)
        return 1
    print(f"Copied {folder} into {redacted(args.url)}: " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")
    if not os.environ.get("WEBUI_SECRET_KEY"):
        print(f"Stored credentials stay encrypted with {os.path.join(folder, 'webui.key')}: give every instance its "
              "contents as WEBUI_SECRET_KEY.")
    print("Start the instances with WEBUI_DATABASE_URL set to this database.")
    return 0


def _set_password(args):
    password = os.environ.get("WEBUI_NEW_PASSWORD") or getpass.getpass("New web UI password: ")
    if not os.environ.get("WEBUI_NEW_PASSWORD") and sys.stdin.isatty():
        if getpass.getpass("Repeat it: ") != password:
            print("The two passwords differ; nothing changed.", file=sys.stderr)
            return 1
    from webui.errors import WebUIError

    try:
        _auth_store().set_password(password, username=args.username)
    except WebUIError as exc:
        print(f"Password not changed: {exc.message} {exc.details.get('fields', '')}", file=sys.stderr)
        return 1
    print("Password changed.")
    return 0


def _create_token(args):
    from webui.errors import WebUIError

    try:
        limits = {"rpm": args.rpm, "tpm": args.tpm, "budget_usd": args.budget_usd, "profiles": args.profiles}
        record, plaintext = _auth_store().create_token(args.name, scope=args.scope, limits=limits)
    except WebUIError as exc:
        print(f"Token not created: {exc.message} {exc.details.get('fields', '')}", file=sys.stderr)
        return 1
    print(f"API token '{record['name']}' (scope {record['scope']}) created. It is shown only once:")
    print(plaintext)
    return 0


def _config_service(restart):
    from webui.core.config.service import ConfigService
    from webui.core.desktop.control import DesktopController

    return ConfigService(config_dir(), os.environ, desktop=DesktopController.from_env(os.environ) if restart else None)


def _export(args):
    """The game config on stdout (the same use case as GET /api/v1/export)."""
    from webui.core.roles.role_ops import export_config

    text, _, dropped = export_config(_config_service(False), args.format)
    sys.stdout.write(text)
    if dropped:
        print(f"Left out (they look like secrets): {', '.join(dropped)}", file=sys.stderr)
    return 0


def _import(args):
    """Import a game config file, YAML or JSON (the same use case as POST /api/v1/roles/import)."""
    from webui.core.roles.role_ops import import_config
    from webui.errors import WebUIError

    try:
        with open(args.file, encoding="utf-8-sig") as handle:
            text = handle.read()
        summary, _ = import_config(_config_service(not args.no_restart), text, restart=not args.no_restart)
    except OSError as exc:
        print(f"Import failed: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    except WebUIError as exc:
        for field, problem in (exc.details.get("fields") or {"": exc.message}).items():
            print(f"Import failed, nothing stored: {field + ': ' if field else ''}{problem}", file=sys.stderr)
        return 2
    print(f"Imported {len(summary['profiles'])} profiles and {len(summary['roles'])} roles; "
          f"active profile: {summary['active_llm_profile']}.")
    return 0


def build_parser():
    """The argparse tree."""
    parser = argparse.ArgumentParser(prog="python -m webui", description="Triplo Web UI")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web UI (gunicorn; --dev for Flask's server)")
    serve.add_argument("--host")
    serve.add_argument("--port")
    serve.add_argument("--threads", type=int, help=argparse.SUPPRESS)  # ignored since the gevent worker
    serve.add_argument("--dev", action="store_true", help="Flask's development server (not for production)")
    serve.set_defaults(func=_serve)
    seed = sub.add_parser("seed", help="build config.json from the environment on first run")
    seed.add_argument("--force", action="store_true", help="rebuild even if config.json exists (backs it up first)")
    seed.set_defaults(func=_seed)
    sub.add_parser("rotate-key", help="re-encrypt every stored secret with a new key").set_defaults(func=_rotate_key)
    pw = sub.add_parser("set-password", help="change the web UI password (WEBUI_NEW_PASSWORD or prompt)")
    pw.add_argument("--username")
    pw.set_defaults(func=_set_password)
    tok = sub.add_parser("create-token", help="create an API token (shown once)")
    tok.add_argument("name")
    tok.add_argument("--scope", choices=("chat", "read", "admin"), default="admin",
                     help="chat: the /v1 faces and session chat only; read: GET of config, profiles, usage; "
                          "admin: everything (default)")
    tok.add_argument("--rpm", type=int, help="at most N requests per minute")
    tok.add_argument("--tpm", type=int, help="at most N tokens (prompt + completion) per minute")
    tok.add_argument("--budget-usd", type=float, help="a monthly budget in USD (UTC calendar month)")
    tok.add_argument("--profiles", help="the only profiles it may use: ID,ID")
    tok.set_defaults(func=_create_token)
    mig = sub.add_parser("migrate-store", help="copy this config folder (config, sessions, ledger, login) into an "
                                              "empty PostgreSQL database, all or nothing")
    mig.add_argument("url", help="postgresql://user@host:port/database")
    mig.set_defaults(func=_migrate_store)
    exp = sub.add_parser("export", help="write the game config (profiles, roles, default profile) to stdout")
    exp.add_argument("--format", choices=("yaml", "json"), default="yaml")
    exp.set_defaults(func=_export)
    imp = sub.add_parser("import", help="import a game config file (YAML or JSON); all or nothing")
    imp.add_argument("file")
    imp.add_argument("--no-restart", action="store_true", help="do not restart the desktop app afterwards")
    imp.set_defaults(func=_import)
    return parser


def main(argv=None):
    """Entry point for python -m webui and the triplo-webui script."""
    args = build_parser().parse_args(argv)
    return args.func(args) or 0
