"""Dates: Solar Hijri dates found in Persian text and Gregorian ones in English, converted."""

from __future__ import annotations

import pytest

from service.text import dates, datewrite
from service.text.dates import find_gregorian, find_jalali
from service.text.datewrite import render

IRNA_LINE = "تاریخ انتشار : چهارشنبه ۶ ارديبهشت ۱۳۹۶ ساعت ۰۸:۳۰"


def only(text: str) -> dates.FoundDate:
    [found] = find_jalali(text)
    return found


def test_the_irna_date_line_is_found_with_its_weekday_and_time() -> None:
    found = only(IRNA_LINE)
    assert found.source == "چهارشنبه ۶ ارديبهشت ۱۳۹۶ ساعت ۰۸:۳۰"
    assert found.gregorian.isoformat() == "2017-04-26"
    assert (found.weekday, found.time) == (2, "08:30")
    assert render(found, "annotate", "en") == (
        "Wednesday 6 Ordibehesht 1396 (26 April 2017), 08:30"
    )
    assert render(found, "gregorian", "en") == "Wednesday 26 April 2017, 08:30"
    assert render(found, "jalali", "en") == "Wednesday 6 Ordibehesht 1396, 08:30"
    assert render(found, "keep", "en") == found.source


@pytest.mark.parametrize(
    ("text", "gregorian"),
    [
        ("۶ اردیبهشت ۱۳۹۶", "2017-04-26"),
        ("6 اردیبهشت 1396", "2017-04-26"),
        ("۶ ارديبهشت ماه ۱۳۹۶", "2017-04-26"),
        ("۶ اردیبهشت‌ماه سال ۱۳۹۶", "2017-04-26"),
        ("۱۳۹۶/۰۲/۰۶", "2017-04-26"),
        ("1396/2/6", "2017-04-26"),
        ("۱۳۹۶-۰۲-۰۶", "2017-04-26"),
        ("۱ فروردین ۱۴۰۳", "2024-03-20"),
        ("۳۰ اسفند ۱۳۹۹", "2021-03-20"),  # 1399 is a leap year
        ("۱۰ دی ۱۴۰۲ هجری شمسی", "2023-12-31"),
        ("سه شنبه ۵ اردیبهشت ۱۳۹۶", "2017-04-25"),
        ("سه‌شنبه، ۵ اردیبهشت ۱۳۹۶", "2017-04-25"),
        ("پنجشنبه ۷ اردیبهشت ۱۳۹۶", "2017-04-27"),
        ("يکشنبه ۱۰ ارديبهشت ۱۳۹۶", "2017-04-30"),
        ("۱۵ امرداد ۱۴۰۰", "2021-08-06"),
    ],
)
def test_written_and_numeric_forms(text: str, gregorian: str) -> None:
    assert only(f"خبر در {text} منتشر شد.").gregorian.isoformat() == gregorian


@pytest.mark.parametrize(
    "text",
    [
        "۱۳۹۶/۱۳/۰۱",  # month 13
        "۳۲ تیر ۱۴۰۰",  # day 32
        "۳۰ اسفند ۱۳۹۶",  # 1396 is not a leap year
        "۰ مهر ۱۴۰۰",
        "۱۵ خرداد",  # no year: which one?
        "تیر ۱۴۰۰",  # no day
        "۳ تیر شلیک شد",
        "۲۰۱۷/۰۴/۲۶",  # a Gregorian year is not a Solar Hijri one
        "نسخه ۱۳۹۶.۲.۶.۱",
    ],
)
def test_invalid_or_incomplete_dates_are_left_alone(text: str) -> None:
    assert find_jalali(text) == []


def test_english_dates_become_solar_hijri_for_persian_output() -> None:
    text = "On Wednesday, 26 April 2017 and April 26, 2017; also 2017-04-26 but not Feb 30, 2020."
    found = find_gregorian(text)
    assert [f.jalali.isoformat() for f in found] == ["1396-02-06"] * 3
    assert render(found[0], "annotate", "fa") == "چهارشنبه ۲۶ آوریل ۲۰۱۷ (۶ اردیبهشت ۱۳۹۶)"
    assert render(found[1], "jalali", "fa") == "۶ اردیبهشت ۱۳۹۶"
    assert render(found[1], "gregorian", "fa") == "۲۶ آوریل ۲۰۱۷"
    assert render(found[1], "jalali", "fa", digits="ascii") == "6 اردیبهشت 1396"


def test_protect_and_restore_round_trip() -> None:
    text, slots = datewrite.protect(IRNA_LINE, "fa", "en", "annotate", "QXD")
    assert text == "تاریخ انتشار : QXD0Q"
    restored, seen = datewrite.restore("Published: QXD 0 Q", slots, "QXD")
    assert restored == "Published: Wednesday 6 Ordibehesht 1396 (26 April 2017), 08:30"
    assert seen == [0]
    assert datewrite.protect(IRNA_LINE, "fa", "en", "keep", "QXD") == (IRNA_LINE, [])
