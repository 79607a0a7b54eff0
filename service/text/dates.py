"""Dates found: Solar Hijri in Persian text, Gregorian in English (datewrite.py writes them)."""

# Calendar arithmetic is jdatetime's; this module only finds dates. A date the
# calendar rejects (month 13, day 32, 30 Esfand of a common year) is not a date: left as is.

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

import jdatetime

from service.text.normalize import to_ascii_digits

DateMode = Literal["keep", "annotate", "gregorian", "jalali"]
MODES: tuple[str, ...] = ("keep", "annotate", "gregorian", "jalali")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


JALALI_MONTHS = _words(
    "Farvardin Ordibehesht Khordad Tir Mordad Shahrivar Mehr Aban Azar Dey Bahman Esfand"
)
JALALI_FA = _words("فروردین اردیبهشت خرداد تیر مرداد شهریور مهر آبان آذر دی بهمن اسفند")
GREGORIAN_FA = _words("ژانویه فوریه مارس آوریل مه ژوئن ژوئیه اوت سپتامبر اکتبر نوامبر دسامبر")
GREGORIAN_MONTHS = _words(
    "January February March April May June July August September October November December"
)
WEEKDAYS = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
WEEKDAYS_FA = ("دوشنبه", "سه\u200cشنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه")


def _variants(word: str) -> str:
    """A pattern for `word` with Arabic YEH/KAF allowed; a weekday's `شنبه` may stand apart."""
    out = []
    for index, char in enumerate(word):
        if index and word.endswith("شنبه") and index == len(word) - 4:
            out.append("[ \u200c]?")
        out.append({"ی": "[یيى]", "ک": "[کك]"}.get(char, re.escape(char)))
    return "".join(out)


def _key(text: str) -> str:
    """A written name with Arabic letter forms, spaces and half-spaces folded away."""
    for arabic, persian in (("ي", "ی"), ("ى", "ی"), ("ك", "ک"), (" ", ""), ("\u200c", "")):
        text = text.replace(arabic, persian)
    return text


_D = "[0-9\u06f0-\u06f9\u0660-\u0669]"
_WEEKDAY_FA = "|".join(_variants(_key(w)) for w in sorted(WEEKDAYS_FA, key=lambda w: -len(_key(w))))
_MONTH_FA = "|".join(_variants(m) for m in [*JALALI_FA, "امرداد"])
_TIME = rf"(?:\s*[،,]?\s*ساعت\s+(?P<time>{_D}{{1,2}}:{_D}{{2}}))?"
_JALALI_WRITTEN = re.compile(
    rf"(?<!\w)(?:(?P<weekday>{_WEEKDAY_FA})\s*[،,]?\s*)?(?P<day>{_D}{{1,2}})\s+"
    rf"(?P<month>{_MONTH_FA})(?:[ \u200c]?ماه)?\s*[،,]?\s*(?:سال\s+)?(?P<year>{_D}{{4}})(?!\w)"
    rf"(?:\s*(?:هجری\s+شمسی|شمسی|ه\.\s?ش\.?))?{_TIME}"
)
_JALALI_NUMERIC = re.compile(
    rf"(?<![\w/.-])(?P<year>1[2-4]{_D}{{2}}|[\u06f1\u0661][\u06f2-\u06f4\u0662-\u0664]{_D}{{2}})"
    rf"(?P<sep>[/.-])(?P<month>{_D}{{1,2}})(?P=sep)(?P<day>{_D}{{1,2}})(?![\w/]|[.-]{_D})"
)
_WEEKDAY_EN = "|".join(WEEKDAYS)
_MONTH_EN = (
    "|".join(m for m in GREGORIAN_MONTHS)
    + "|"
    + "|".join(rf"{m[:3]}\.?" for m in GREGORIAN_MONTHS if len(m) > 3)
)
_GREGORIAN = re.compile(
    rf"\b(?:(?P<weekday>{_WEEKDAY_EN}),?\s+)?(?:"
    rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH_EN})\s*,?\s+(?P<year>\d{{4}})"
    rf"|(?P<month2>{_MONTH_EN})\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year2>\d{{4}})"
    rf"|(?P<iso>(?P<iy>\d{{4}})-(?P<im>\d{{2}})-(?P<id>\d{{2}})))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundDate:
    """One date in a text: where, as written, and the day it names in both calendars."""

    start: int
    end: int
    source: str
    jalali: jdatetime.date
    gregorian: datetime.date
    weekday: int | None = None  # as written (Monday = 0), when the text names one
    time: str | None = None  # HH:MM, when written
    calendar: Literal["jalali", "gregorian"] = "jalali"
    numeric: bool = False


def _int(text: str) -> int:
    return int(to_ascii_digits(text))


def find_jalali(text: str) -> list[FoundDate]:
    """Solar Hijri dates in Persian text, written (`۶ اردیبهشت ۱۳۹۶`) or numeric (`۱۳۹۶/۰۲/۰۶`)."""
    found: list[FoundDate] = []
    for match in _JALALI_WRITTEN.finditer(text):
        month_name = _key(match["month"])
        month = 5 if month_name == "امرداد" else JALALI_FA.index(month_name) + 1
        weekday = None
        if match["weekday"]:
            written = _key(match["weekday"])
            weekday = next(i for i, w in enumerate(WEEKDAYS_FA) if _key(w) == written)
        time = to_ascii_digits(match["time"]) if match["time"] else None
        found += _jalali(match, _int(match["year"]), month, _int(match["day"]), weekday, time)
    for match in _JALALI_NUMERIC.finditer(text):
        if not any(f.start <= match.start() < f.end for f in found):
            year, month, day = _int(match["year"]), _int(match["month"]), _int(match["day"])
            found += _jalali(match, year, month, day, None, None, numeric=True)
    return sorted(found, key=lambda f: f.start)


def _jalali(
    match: re.Match[str],
    year: int,
    month: int,
    day: int,
    weekday: int | None,
    time: str | None,
    numeric: bool = False,
) -> list[FoundDate]:
    try:
        jalali = jdatetime.date(year, month, day)
    except ValueError:
        return []
    gregorian = jalali.togregorian()
    source = match.group(0)
    return [
        FoundDate(
            match.start(), match.end(), source, jalali, gregorian, weekday, time, numeric=numeric
        )
    ]


def find_gregorian(text: str) -> list[FoundDate]:
    """Gregorian dates in English text: `26 April 2017`, `April 26, 2017`, `2017-04-26`."""
    found = []
    for match in _GREGORIAN.finditer(text):
        if match["iso"]:
            year, month, day = int(match["iy"]), int(match["im"]), int(match["id"])
        else:
            name = (match["month"] or match["month2"]).rstrip(".")[:3].lower()
            month = [m[:3].lower() for m in GREGORIAN_MONTHS].index(name) + 1
            year = int(match["year"] or match["year2"])
            day = int(match["day"] or match["day2"])
        try:
            gregorian = datetime.date(year, month, day)
            jalali = jdatetime.date.fromgregorian(date=gregorian)
        except ValueError:
            continue
        weekday = None
        if match["weekday"]:
            weekday = [w.lower() for w in WEEKDAYS].index(match["weekday"].lower())
        found.append(
            FoundDate(
                match.start(), match.end(), match.group(0), jalali, gregorian, weekday,
                calendar="gregorian", numeric=bool(match["iso"]),
            )
        )  # fmt: skip
    return found


def find(text: str, source: str) -> list[FoundDate]:
    """The dates of a text in its language's calendar: Solar Hijri in Persian, else Gregorian."""
    return find_jalali(text) if source == "fa" else find_gregorian(text)
