"""Dates as the readers give them (``YYYY-MM-DD`` or ``YYYY-MM``) and the days between two."""

from __future__ import annotations

from datetime import date, timedelta


def date_range(value: str | None) -> tuple[date, date] | None:
    """``YYYY-MM-DD`` is one day; ``YYYY-MM`` is the whole month; anything else is unknown."""
    if not value:
        return None
    try:
        if len(value) == 7:
            first = date.fromisoformat(value + "-01")
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            return first, last
        day = date.fromisoformat(value[:10])
        return day, day
    except ValueError:
        return None


def gap_days(a: str | None, b: str | None) -> int | None:
    """Days between two dates (0 when their ranges meet), or None when either is unknown."""
    ra, rb = date_range(a), date_range(b)
    if ra is None or rb is None:
        return None
    return max((rb[0] - ra[1]).days, (ra[0] - rb[1]).days, 0)
