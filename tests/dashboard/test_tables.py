"""The dashboard's cells: an instant or a day in the product's words on the page, in
ISO-like text in the CSV."""

import datetime as dt

from django.utils import timezone

from dashboard.tables import NONE, Link, Table, When, when_cell
from dashboard.templatetags.dashboard_tags import table_body
from tests.dashboard.conftest import NOW

UTC = dt.UTC


def test_an_instant_reads_in_the_viewers_time_zone_and_its_year_only_when_another(frozen_now):
    assert NOW.year == 2026
    # 23:30 UTC on New Year's Eve is already 2026 in Budapest: no year.
    new_year = When(dt.datetime(2025, 12, 31, 23, 30, tzinfo=UTC))
    assert new_year.words == "Thu 1 Jan, 00:30"
    assert new_year.iso == "2026-01-01T00:30:00+01:00"
    assert str(new_year) == "2026-01-01 00:30"
    last_year = When(dt.datetime(2025, 11, 20, 13, 41, tzinfo=UTC))
    assert last_year.words == "Thu 20 Nov 2025, 14:41"
    assert str(last_year) == "2025-11-20 14:41"


def test_a_day_reads_as_a_day_and_the_csv_keeps_its_iso_date(frozen_now):
    assert When(dt.date(2026, 11, 16)).words == "Mon 16 Nov"
    assert When(dt.date(2025, 11, 16)).words == "Sun 16 Nov 2025"
    assert str(When(dt.date(2026, 11, 16))) == "2026-11-16"


def test_csv_rows_keep_iso_text_and_the_page_writes_words_in_a_time_element(frozen_now):
    due = dt.datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    table = Table(
        "late",
        "Late",
        ["Ticket", "Next deadline", "Logged"],
        [
            [
                Link("ACME-44", "/tickets/ACME-44/", nowrap=True),
                When(due, "overdue since "),
                when_cell(None),
            ]
        ],
    )
    assert list(table.csv_rows())[1] == ["ACME-44", "overdue since 2026-11-20 17:00", NONE]
    assert table_body(table) == (
        '<tr><th scope="row" class="fw-normal">'
        '<a href="/tickets/ACME-44/" class="text-nowrap">ACME-44</a></th>'
        '<td class="text-end">overdue since '
        '<time datetime="2026-11-20T17:00:00+01:00">Fri 20 Nov, 17:00</time></td>'
        '<td class="text-end">—</td></tr>'
    )


def test_the_words_of_instants_and_days_are_date_formats_in_each_language(frozen_now):
    """The day's part is formatted once per day and language: the same words as
    date_format's, in English and Hungarian, this year and another, either side of midnight."""
    from django.utils import translation
    from django.utils.formats import date_format

    from dashboard.tables import _day_words

    instants = [
        dt.datetime(2026, 11, 20, 13, 41, tzinfo=UTC) + dt.timedelta(minutes=617 * n)
        for n in range(-900, 200, 7)
    ]
    for language in ("en", "hu", "en"):
        with translation.override(language):
            for instant in instants:
                local = timezone.localtime(instant)
                year = local.year != 2026
                expected = date_format(local, "DAY_DATETIME_FORMAT" if year else "DAY_TIME_FORMAT")
                assert When(instant).words == expected, (language, instant)
                day = local.date()
                expected = date_format(day, "DAY_DATE_FORMAT" if year else "DAY_MONTH_FORMAT")
                assert When(day).words == expected, (language, day)
    assert _day_words.cache_info().hits
    with translation.override("hu"):
        assert When(dt.datetime(2026, 11, 20, 13, 41, tzinfo=UTC)).words == "nov. 20. (pén) 14:41"
