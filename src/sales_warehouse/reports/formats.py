"""Number, date and text formats of the report components (`fmt='money'`, `fmt='pct'`, ...).

One home for how a value looks on a page, so a big value, a table cell and a chart tooltip of the
same number read the same. `format_value(value, None)` picks a format from the value's type.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

MISSING = "–"
FORMATS: tuple[str, ...] = (
    "auto",
    "num",
    "num0",
    "num1",
    "num2",
    "compact",
    "money",
    "money0",
    "pct",
    "pct0",
    "pct1",
    "delta_pct",
    "pp",
    "ratio",
    "days",
    "hours",
    "date",
    "month",
    "month_short",
    "quarter",
    "year",
    "text",
)


class FormatError(ValueError):
    """An unknown format name (the message lists the known ones)."""


def check_format(name: str | None) -> None:
    if name is not None and name not in FORMATS:
        raise FormatError(f"unknown format {name!r}; formats: {', '.join(FORMATS)}")


def as_number(value: object) -> float | None:
    """A float for numbers (Decimal, int, float, bool excluded); None for anything else or NaN."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        number = float(value)
        return None if math.isnan(number) else number
    return None


def _grouped(number: float, decimals: int) -> str:
    """Thousands separators, rounded half away from zero (1234.5 -> 1,235, as people round money)."""
    rounded = Decimal(repr(number)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{decimals}f}"


def _compact(number: float, decimals: int = 1) -> str:
    size = abs(number)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{number / limit:,.{decimals}f}{suffix}"
    return _grouped(number, 0 if float(number).is_integer() else decimals)


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def auto_format(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return _grouped(value, 0)
    number = as_number(value)
    if number is not None:
        return _grouped(number, 0 if abs(number) >= 100 else 2)
    return str(value)


def format_value(value: object, fmt: str | None = None, currency: str = "¥") -> str:
    """The text of a value in format `fmt` (None or 'auto': by type). None and NaN read '–'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    fmt = fmt or "auto"
    check_format(fmt)
    if fmt == "auto":
        return auto_format(value)
    if fmt == "text":
        return str(value)
    day = _as_date(value)
    if fmt in ("date", "month", "month_short", "quarter", "year"):
        if day is None:
            return str(value)
        if fmt == "date":
            return day.isoformat()
        if fmt == "month":
            return day.strftime("%b %Y")
        if fmt == "month_short":
            return day.strftime("%b %y")
        if fmt == "quarter":
            return f"{day.year} Q{(day.month - 1) // 3 + 1}"
        return str(day.year)
    number = as_number(value)
    if number is None:
        return str(value)
    sign = "-" if number < 0 else ""
    if fmt == "num":
        return _grouped(number, 0 if float(number).is_integer() else 2)
    if fmt in ("num0", "num1", "num2"):
        return _grouped(number, int(fmt[-1]))
    if fmt == "compact":
        return _compact(number)
    if fmt == "money":
        return f"{sign}{currency}{_compact(abs(number), 2 if abs(number) >= 1e3 else 0)}"
    if fmt == "money0":
        return f"{sign}{currency}{_grouped(abs(number), 0)}"
    if fmt in ("pct", "pct1"):
        return f"{number * 100:,.1f}%"
    if fmt == "pct0":
        return f"{number * 100:,.0f}%"
    if fmt == "delta_pct":
        return f"{'+' if number > 0 else ''}{number * 100:,.1f}%"
    if fmt == "pp":
        return f"{'+' if number > 0 else ''}{number * 100:,.1f} pp"
    if fmt == "ratio":
        return f"{number:,.2f}×"
    if fmt == "days":
        return f"{number:,.1f} d"
    return f"{number:,.1f} h"  # hours


def title_of(column: str) -> str:
    """'net_revenue_ytd' -> 'Net revenue YTD': a column's default heading."""
    words = [word for word in re.split(r"[_\s]+", column) if word]
    known = {"ytd": "YTD", "mtd": "MTD", "qtd": "QTD", "ly": "LY", "aov": "AOV", "csat": "CSAT", "nps": "NPS"}
    words = [known.get(word.lower(), word) for word in words]
    if not words:
        return column
    first = words[0]
    return " ".join([first[:1].upper() + first[1:], *words[1:]])


def raw_value(value: object) -> str:
    """A value as a machine-readable attribute (sorting, tests): ISO dates, plain numbers."""
    if value is None:
        return ""
    day = _as_date(value)
    if day is not None:
        return (
            value.isoformat()
            if isinstance(value, datetime) and value.time() != datetime.min.time()
            else (day.isoformat())
        )
    number = as_number(value)
    if number is not None:
        return repr(number) if not float(number).is_integer() else str(int(number))
    return str(value)


def slug(value: object) -> str:
    """A file-name-safe key of a templated page's value ('East Team 1' -> 'east-team-1')."""
    text = re.sub(r"[^a-z0-9]+", "-", raw_value(value).lower()).strip("-")
    return text or "none"
