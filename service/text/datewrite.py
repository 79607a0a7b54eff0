"""Dates written for the output (both calendars or one), protected from the model, restored."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from service.text import placeholders
from service.text.dates import (
    GREGORIAN_FA,
    GREGORIAN_MONTHS,
    JALALI_FA,
    JALALI_MONTHS,
    WEEKDAYS,
    WEEKDAYS_FA,
    DateMode,
    FoundDate,
    find,
)
from service.text.normalize import localize_digits


def render(date: FoundDate, mode: DateMode, target: str, digits: str = "target") -> str:
    """The date as the output shows it: both calendars (`annotate`) or one of them."""
    if mode == "keep":
        return date.source
    weekday = _weekday(date.weekday, target)
    jalali = _jalali_text(date, target)
    gregorian = _gregorian_text(date.gregorian, target)
    time = f", {date.time}" if date.time else ""
    if target == "fa":
        time = f"، ساعت {date.time}" if date.time else ""
    if mode == "annotate":
        first, second = (jalali, gregorian) if date.calendar == "jalali" else (gregorian, jalali)
        text = f"{weekday}{first} ({second}){time}"
    else:
        text = f"{weekday}{jalali if mode == 'jalali' else gregorian}{time}"
    return localize_digits(text, target, digits)


def _weekday(weekday: int | None, target: str) -> str:
    if weekday is None:
        return ""
    return f"{WEEKDAYS_FA[weekday] if target == 'fa' else WEEKDAYS[weekday]} "


def _jalali_text(date: FoundDate, target: str) -> str:
    j = date.jalali
    if date.numeric and date.calendar == "jalali":
        return f"{j.year}/{j.month:02d}/{j.day:02d}"
    months = JALALI_FA if target == "fa" else JALALI_MONTHS
    return f"{j.day} {months[j.month - 1]} {j.year}"


def _gregorian_text(day: datetime.date, target: str) -> str:
    months = GREGORIAN_FA if target == "fa" else GREGORIAN_MONTHS
    return f"{day.day} {months[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class DateSlot:
    """A date replaced by a placeholder, and the text that goes back in its place."""

    found: FoundDate
    text: str


def protect(
    text: str,
    source: str,
    target: str,
    mode: DateMode,
    marker: str,
    digits: str = "target",
    keep_out: re.Pattern[str] | None = None,
) -> tuple[str, list[DateSlot]]:
    """`text` with each date (in `source`'s calendar) replaced by a placeholder of `marker`.

    Matches of `keep_out` (tag placeholders) are copied as they are and bound the search, so
    `<b>26 April 2017</b>` still holds a date.
    """
    if mode == "keep":
        return text, []
    slots: list[DateSlot] = []
    out: list[str] = []
    position = 0
    for match in keep_out.finditer(text) if keep_out else ():
        out.append(
            _protect_run(
                text[position : match.start()], source, target, mode, marker, digits, slots
            )
        )
        out.append(match.group())
        position = match.end()
    out.append(_protect_run(text[position:], source, target, mode, marker, digits, slots))
    return "".join(out), slots


def _protect_run(
    text: str,
    source: str,
    target: str,
    mode: DateMode,
    marker: str,
    digits: str,
    slots: list[DateSlot],
) -> str:
    out: list[str] = []
    position = 0
    for date in find(text, source):
        out.append(text[position : date.start])
        out.append(placeholders.make(len(slots), marker))
        slots.append(DateSlot(date, render(date, mode, target, digits)))
        position = date.end
    out.append(text[position:])
    return "".join(out)


def restore(text: str, slots: list[DateSlot], marker: str) -> tuple[str, list[int]]:
    """`text` with each date placeholder replaced by its date; the slots that came back."""
    if not slots:
        return text, []
    return placeholders.restore(text, marker, len(slots), lambda i: slots[i].text)
