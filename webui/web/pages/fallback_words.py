"""Why a reply came from a fallback profile, in words for the chat's answered-by line (from the reply metadata's
fallback_failures: each failed profile's error code and message)."""

# What a failure code means to a reader; any other code shows its own message.
WORDS = {
    "budget_exceeded": "over its monthly budget",
    "provider_unreachable": "connection failed",
    "provider_timeout": "timed out",
    "rate_limited": "rate limited",
    "provider_overloaded": "overloaded",
    "provider_server_error": "server error",
    "provider_auth_failed": "key refused",
    "missing_credential": "no API key",
    "shared_state_unavailable": "budget store not answering",
    "fallback_skipped": "skipped: cannot honour what was asked",
}


def reasons(meta, by_id):
    """[{profile (name), reason (short words), message (the error's own)}] for every profile that did not answer,
    in the order tried; [] when the reply's own profile answered."""
    out = []
    for failure in meta.get("fallback_failures") or []:
        if not isinstance(failure, dict):
            continue
        pid, message = failure.get("profile_id"), str(failure.get("message") or "").strip()
        out.append({"profile": (by_id.get(pid) or {}).get("name") or pid,
                    "reason": WORDS.get(failure.get("error")) or message.rstrip(".") or "failed",
                    "message": message})
    if not out and meta.get("fallback_from"):  # older replies stored no reasons
        pid = meta["fallback_from"]
        out.append({"profile": (by_id.get(pid) or {}).get("name") or pid, "reason": "failed", "message": ""})
    return out
