"""Periods a limit runs over, as key suffixes: the calendar month in UTC."""

import time

MONTH_KEEP_SECONDS = 40 * 24 * 3600  # a month's counter outlives its month, then goes away by itself


def month(now=None):
    """'2026-12' for the current UTC month."""
    return time.strftime("%Y-%m", time.gmtime(time.time() if now is None else now))


def window_slots(now, window):
    """(current slot, previous slot, seconds into the current slot) of a sliding window of `window` seconds."""
    slot = int(now // window)
    return slot, slot - 1, now - slot * window


def sliding_verdict(previous, current, elapsed, window, limit, cost):
    """(allowed, retry_after seconds) of a sliding-window counter: the previous slot weighs what is left of it."""
    if cost > limit:
        return False, int(window)
    weight = 1.0 - elapsed / window
    if previous * weight + current + cost <= limit:
        return True, 0
    if current + cost > limit:  # even once the previous slot is forgotten: the next slot
        return False, max(1, int(window - elapsed + 0.999))
    # the previous slot must fade until previous * (1 - t / window) <= limit - current - cost
    t = window * (1.0 - (limit - current - cost) / previous)
    return False, max(1, int(t - elapsed + 0.999))
