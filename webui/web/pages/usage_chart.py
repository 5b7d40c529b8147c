"""The Usage tab's per-day chart as plain geometry for an inline SVG (drawn server-side: no JS needed)."""

import math
from datetime import date, timedelta

from webui.core.usage import metering

WIDTH, HEIGHT = 360, 170  # the viewBox: about 1:1 on a 390 px phone, so its 10-unit labels stay legible
LEFT, RIGHT, TOP, BOTTOM = 54, 8, 14, 22


def days_back(today, count=30):
    """The last `count` UTC days ending today, oldest first, as YYYY-MM-DD."""
    return [(today - timedelta(days=count - 1 - i)).isoformat() for i in range(count)]


def fill_days(rows, days):
    """/api/usage day rows spread over every day (days without calls count zero)."""
    by_day = {r["key"]: r for r in rows}
    empty = {"requests": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": None, "cache_read_tokens": 0,
             "cache_write_tokens": 0}
    return [dict(by_day.get(d) or empty, key=d) for d in days]


def nice_max(value):
    """A round axis top at or above value (1, 2, 2.5, 5 x 10^n)."""
    if value <= 0:
        return 1
    step = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        top = factor * step
        if top >= value:
            return top
    return 10 * step


def bars(days, value_of, label, money=False):
    """{width, height, plot, bars: [{x, y, w, h, title}], ticks, x_labels, label} for one series."""
    values = [value_of(d) or 0 for d in days]
    top = nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(days), 1)
    fmt = metering.usd if money else (lambda v: f"{int(v):,}")
    out = []
    for i, (day, value) in enumerate(zip(days, values)):
        h = plot_h * value / top
        out.append({"x": round(LEFT + i * slot + slot * 0.15, 2), "w": round(slot * 0.7, 2),
                    "y": round(TOP + plot_h - h, 2), "h": round(h, 2), "title": f"{day['key']}: {fmt(value)}"})
    ticks = [{"y": round(TOP + plot_h - plot_h * f, 2), "text": fmt(top * f) if money or top * f >= 1 else ""}
             for f in (0, 0.5, 1)]
    picks = sorted({0, len(days) // 2, len(days) - 1}) if days else []
    anchor = {0: "start", len(days) - 1: "end"}  # the end labels stay inside the viewBox
    x_labels = [{"x": round(LEFT + i * slot + slot * (0.15 if i == 0 else 0.85 if i == len(days) - 1 else 0.5), 2),
                 "text": days[i]["key"][5:], "anchor": anchor.get(i, "middle")} for i in picks]
    total = sum(values)
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP,
            "bottom": HEIGHT - BOTTOM, "bars": out, "ticks": ticks, "x_labels": x_labels, "label": label,
            "total": fmt(total), "empty": total == 0}


def charts(rows, today=None):
    """The cost and the tokens chart of the last 30 days from /api/usage day rows."""
    days = fill_days(rows, days_back(today or date.today()))
    return {"days": days,
            "cost": bars(days, lambda d: d["cost_usd"], "Cost per day (USD)", money=True),
            "tokens": bars(days, lambda d: (d["prompt_tokens"] or 0) + (d["completion_tokens"] or 0),
                           "Tokens per day (prompt + completion)")}


HEALTH_W, HEALTH_ROW = 300, 34  # one row per profile: p50 and p95 bars on a shared scale, labelled in the SVG


def health_rows(rows, names):
    """Provider-health rows (core/usage/health) with names, shares and bar geometry for an inline SVG each:
    {p50_w, p95_w} in a HEALTH_W-wide plot scaled to the slowest p95 (a round top), and the figures as text."""
    top = nice_max(max((r["p95_ms"] or 0 for r in rows), default=0))
    out = []
    for r in rows:
        scale = lambda ms: round(HEALTH_W * (ms or 0) / top, 2)  # noqa: E731
        out.append(dict(r, name=names.get(r["profile_id"]) or r["profile_id"] or "(none)",
                        error_pct=round(r["error_rate"] * 100, 1), p50_w=scale(r["p50_ms"]),
                        p95_w=scale(r["p95_ms"]), width=HEALTH_W, height=HEALTH_ROW,
                        p50_text=_ms(r["p50_ms"]), p95_text=_ms(r["p95_ms"])))
    return {"rows": out, "top_text": _ms(top) if rows else ""}


def _ms(value):
    """Milliseconds as text: 840 ms, 1.2 s, — when unknown."""
    if value is None:
        return "—"
    return f"{value:,.0f} ms" if value < 1000 else f"{value / 1000:,.1f} s"
