"""API & Models: the stored keys card's Remove (a plain form post after a confirmation step; PRG).

Its route lives on the API & Models blueprint, so the tab stays one blueprint; app.py imports this module."""

from flask import flash, redirect, url_for

from webui.core.config import stored_keys
from webui.errors import Conflict, NotFound
from webui.web.pages.layout import flash_desktop, svc
from webui.web.pages.models import bp

CARD = "stored-keys"  # the flash category the card shows itself, next to the list (the page's top is far away)


@bp.post("/credentials/<credential_id>/remove", endpoint="forget_key")
def forget_key(credential_id):
    """Forget every stored secret of one credential; the card says which profiles now need a key."""
    try:
        outcome, desktop, _ = stored_keys.forget(svc(), credential_id)
    except (Conflict, NotFound) as exc:
        flash(exc.message, f"{CARD}-error")
    else:
        needy = outcome["needy"]
        flash(f"The stored {outcome['label']} key was removed."
              + (f" {_names(needy)} {'needs' if len(needy) == 1 else 'need'} a key now: type one in the profile "
                 "editor, or name an environment variable under Advanced options." if needy else ""),
              f"{CARD}-success")
        flash_desktop(desktop)
    return redirect(url_for("models.index") + "#stored-keys")


def _names(names):
    """“A”, “A and B”, “A, B and C”."""
    quoted = [f"“{n}”" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
