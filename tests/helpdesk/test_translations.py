"""The Hungarian translation: complete where it is declared done, and what people see.

(a) makemessages, run on a copy of the sources and of the catalogues (never on locale/
itself), leaves no untranslated or fuzzy entry used by the areas in DONE: an area joins
DONE once its words are marked and translated, so a new English word there fails here.
(b) The main pages, rendered for a Hungarian customer, hold none of the English words
that would only be there untranslated. (c) Dates are written as Hungarians write them.
"""

import datetime as dt
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from api import services as api_services
from helpdesk.formats.en import formats as en_formats
from helpdesk.formats.hu import formats as hu_formats
from sla.models import BusinessCalendar, describe_cadence
from tests.translations import compile_translations
from tickets import actions, changes, escalations, services, wording
from tickets.models import TicketEvent

ROOT = Path(settings.BASE_DIR)
# The same folders `makemessages` leaves out in docs/development.md (Translations).
NOT_EXTRACTED = {".git", ".venv", "node_modules", "tests", "bench", "var", "staticfiles"}

# Template folders and files, and Python apps or modules, whose words are all translated.
DONE: list[str] = [
    "helpdesk/formats/",
    "templates/base.html",
    "templates/partials/",
    "templates/403.html",
    "templates/404.html",
    "templates/500.html",
    "templates/registration/",
    "templates/accounts/",
    "templates/account/",
    "templates/allauth/",
    "accounts/",
    "templates/portal/",
    "portal/",
    "tickets/wording.py",
    "tickets/models/",
    "sla/models/",
    "templates/knowledge/",
    "knowledge/",
    "templates/tickets/ticket_create.html",
    "templates/tickets/ticket_detail.html",
    "tickets/forms.py",
    "tickets/workflow.py",
    "tickets/actions.py",
    "tickets/limits.py",
    "tickets/intake.py",
    "tickets/templatetags/",
    "templates/tickets/ticket_list.html",
    "templates/tickets/attachment_missing.html",
    "templates/surveys/",
    "surveys/",
    "templates/workspace/",
    "templates/emails/",
    "templates/notifications/",
    "templates/dashboard/",
    "templates/api/",
    "templates/webhooks/",
    "workspace/",
    "notifications/",
    "dashboard/",
    "sla/durations.py",
    "sla/preview.py",
    "api/forms.py",
    "api/models.py",
    "webhooks/",
    "static/js/",
    "tickets/views.py",
    "tickets/services.py",
    "tickets/changes.py",
    "tickets/escalations.py",
    "tickets/attachments.py",
    "tickets/live.py",
    "tickets/selectors.py",
    "templates/tickets/widgets/",
    "templates/request_refused.html",
    "core/",
    "helpdesk/views.py",
    "sla/calendars.py",
    "sla/services.py",
    "sla/admin.py",
    "sla/templatetags/",
    "sla/apps.py",
    "tickets/apps.py",
    "helpdesk/apps.py",
    "api/apps.py",
    "api/services.py",
    "helpdesk/urls.py",
]


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    compile_translations()


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, polib.POFile]:
    """makemessages on a copy: the catalogues as they would be after extraction now."""
    copy = tmp_path_factory.mktemp("sources")
    for entry in ROOT.iterdir():
        if entry.name in NOT_EXTRACTED or entry.name.endswith(".egg-info"):
            continue
        if entry.is_dir():
            shutil.copytree(entry, copy / entry.name, ignore=shutil.ignore_patterns("*.mo"))
        else:
            shutil.copy2(entry, copy / entry.name)
    cwd = Path.cwd()
    try:
        with override_settings(LOCALE_PATHS=[copy / "locale"]):
            os.chdir(copy)
            for domain in ("django", "djangojs"):
                call_command(
                    "makemessages",
                    locale=["hu"],
                    domain=domain,
                    no_obsolete=True,
                    verbosity=0,
                )
    finally:
        os.chdir(cwd)
    return {
        domain: polib.pofile(str(copy / "locale" / "hu" / "LC_MESSAGES" / f"{domain}.po"))
        for domain in ("django", "djangojs")
    }


def _in_done(occurrence: str) -> bool:
    return any(occurrence == done or occurrence.startswith(done) for done in DONE)


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_makemessages_leaves_nothing_untranslated_or_fuzzy_in_the_done_areas(extracted, domain):
    missing = [
        f"{entry.occurrences[0][0]}:{entry.occurrences[0][1]} {entry.msgid!r}"
        + (" (fuzzy)" if entry.fuzzy else "")
        for entry in extracted[domain]
        if not entry.obsolete
        and (not entry.translated() or entry.fuzzy)
        and any(_in_done(path) for path, _line in entry.occurrences)
    ]
    assert not missing, "untranslated or fuzzy in hu:\n" + "\n".join(missing)


def test_the_catalogue_has_no_fuzzy_entry_and_keeps_the_hungarian_plural():
    po = polib.pofile(str(ROOT / "locale" / "hu" / "LC_MESSAGES" / "django.po"))

    assert not po.fuzzy_entries()
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert po.metadata["Language"] == "hu"


class _VisibleText(HTMLParser):
    """What a reader sees or hears: text outside scripts and styles, and the attributes
    read out or shown (aria-label, title, placeholder, alt, a button's value)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if value and name in ("aria-label", "title", "placeholder", "alt"):
                self.parts.append(value)
        if tag == "input" and dict(attrs).get("type") == "submit":
            self.parts.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# English words that appear on these pages only if something escaped translation.
ENGLISH = [
    "Sign in",
    "Sign out",
    "Your profile",
    "Change password",
    "Contacts",
    "Knowledge base",
    "Release notes",
    "Home",
    "Save",
    "Name",
    "Email",
    "Status",
    "Role",
    "Language",
    "Time zone",
    "Invite",
    "Welcome",
    "Forgot",
    "Help desk",
    "Previous",
    "Next",
    "Password",
    "Main",
    "Tickets",
    "Severity",
    "Search",
    "Log a ticket",
    "Knowledge base",
    "opened by",
    "updated",
    "overdue",
    "next from us",
    "Received",
    "Incident",
    "Apply",
    "Any status",
    "Licence key",
    "Business hours",
    "Covered products",
    "Support contract",
    "Reply",
    "Conversation",
    "History",
    "Details",
    "Escalation",
    "Send",
    "Attachments",
    "Where it stands",
    "Title",
    "Description",
    "Log the ticket",
    "Copy colleagues",
    "Your contract",
    "characters",
    "Categories",
    "All articles",
    "Coming up",
]


def english_words_in(html: str) -> list[str]:
    text = visible_text(html)
    return [word for word in ENGLISH if re.search(rf"\b{re.escape(word)}\b", text)]


@pytest.fixture
def hungarian_admin(personas):
    personas.admin_a.language = "hu"
    personas.admin_a.save()
    return personas.admin_a


CUSTOMER_PAGES = [
    "/",
    "/portal/",
    "/portal/tickets/",
    "/portal/tickets/?status=open&q=Invoices",
    "/portal/contract/",
    "/tickets/",
    "/tickets/new/",
    "/tickets/ACME-1/",
    "/knowledge/",
    "/knowledge/?q=invoice",
    "/knowledge/releases/",
    "/accounts/profile/",
    "/accounts/contacts/",
    "/accounts/contacts/invite/",
    "/dashboard/service-report/",
    "/accounts/password/change/",
    "/accounts/password/change/done/",
    "/no-such-page/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", CUSTOMER_PAGES)
def test_a_hungarian_customers_pages_hold_no_english_words(
    client, hungarian_admin, make_ticket, url
):
    make_ticket(severity="S2")
    client.force_login(hungarian_admin)

    response = client.get(url, follow=True)

    assert response.headers["Content-Language"] == "hu"
    assert english_words_in(response.content.decode()) == []


SIGNED_OUT_PAGES = [
    "/accounts/login/",
    "/accounts/password/reset/",
    "/accounts/password/reset/sent/",
    "/accounts/password/reset/complete/",
    "/accounts/password/reset/MQ/bad-token/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", SIGNED_OUT_PAGES)
def test_signed_out_pages_in_a_hungarian_browser_hold_no_english_words(client, url):
    response = client.get(url, headers={"accept-language": "hu-HU,hu;q=0.9,en;q=0.5"})

    assert response.headers["Content-Language"] == "hu"
    assert english_words_in(response.content.decode()) == []


@pytest.mark.django_db
def test_the_english_words_are_found_on_an_english_page(client, personas):
    """The check itself works: the same page in English holds them."""
    client.force_login(personas.admin_a)

    found = english_words_in(client.get("/accounts/profile/").content.decode())

    assert {"Your profile", "Save", "Name", "Language"} <= set(found)


WHEN = dt.datetime(2026, 12, 5, 14, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("format_name", "english", "hungarian"),
    [
        ("SHORT_DATETIME_FORMAT", "12/05/2026 2:30 p.m.", "2026. 12. 05. 14:30"),
        ("DAY_TIME_FORMAT", "Sat 5 Dec, 14:30", "dec. 5. (szo) 14:30"),
        ("DAY_MONTH_FORMAT", "Sat 5 Dec", "dec. 5. (szo)"),
        ("DAY_DATE_FORMAT", "Sat 5 Dec 2026", "2026. 12. 05. (szo)"),
        ("DAY_DATETIME_FORMAT", "Sat 5 Dec 2026, 14:30", "2026. 12. 05. 14:30"),
        ("DAY_DATETIME_ZONE_FORMAT", "Sat 5 Dec 2026, 14:30 UTC", "2026. 12. 05. 14:30 UTC"),
        ("MEDIUM_DATE_FORMAT", "5 Dec 2026", "2026. 12. 05."),
        ("FULL_DATE_FORMAT", "5 December 2026", "2026. december 5."),
        ("WEEKDAY_DATE_FORMAT", "Saturday 5 December 2026", "2026. december 5., szombat"),
    ],
)
@override_settings(TIME_ZONE="UTC")
def test_named_date_formats_in_each_language(format_name, english, hungarian):
    template = Template('{{ when|date:"' + format_name + '" }}')

    for language, expected in (("en", english), ("hu", hungarian)):
        with translation.override(language):
            assert template.render(Context({"when": WHEN})) == expected


def test_every_named_format_is_in_both_languages():
    def names(module) -> set[str]:
        return {name for name in vars(module) if name.endswith("_FORMAT")}

    assert names(en_formats) == names(hu_formats) - {"SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT"}


def test_hungarian_numbers_have_a_decimal_comma_and_grouped_thousands():
    template = Template("{% load humanize %}{{ n|floatformat:'2g' }} {{ m|intcomma }}")

    with translation.override("hu"):
        assert template.render(Context({"n": 1234.5, "m": 1000000})) == (
            "1\xa0234,50 1\xa0000\xa0000"
        )


@pytest.mark.django_db
def test_history_stores_a_status_in_the_help_desks_language_whoever_acts(personas, make_ticket):
    """A Hungarian agent's change is stored as "Acknowledged", found again by the
    dashboard (tickets.wording.status_value) and named in each reader's language."""
    ticket = make_ticket()

    with translation.override("hu"):
        services.ticket_transition(personas.agent, ticket=ticket, action="acknowledge")

    event = TicketEvent._base_manager.filter(ticket=ticket, field="status").last()
    assert event.new_value == "Acknowledged"
    assert wording.status_value(event.new_value) == "acknowledged"
    with translation.override("hu"):
        assert wording.status_name(event.new_value, for_staff=False) == "Visszaigazolva"


@pytest.mark.django_db
def test_a_request_refused_before_the_person_is_known_is_in_the_browsers_language(client):
    """core.request_limits answers before the language middleware: Accept-Language."""
    hungarian = client.get("/tickets/?q=a%00b", headers={"accept-language": "hu"})
    english = client.get("/tickets/?q=a%00b", headers={"accept-language": "en"})

    assert hungarian.status_code == english.status_code == 400
    assert hungarian.headers["Content-Language"] == "hu"
    assert "NUL karaktert" in hungarian.content.decode()
    assert "NUL character" in english.content.decode()


@pytest.mark.django_db
def test_the_api_answers_in_english_whatever_the_person_reads(client, personas, make_ticket):
    """The REST API answers machines in the help desk's own language (docs/api.md)."""
    personas.admin_a.language = "hu"
    personas.admin_a.save()
    ticket = make_ticket(requester=personas.admin_a)
    _, raw = api_services.api_token_create(personas.admin_a, name="tests", scope="write")

    response = client.post(
        f"/api/v1/tickets/{ticket.reference}/replies/",
        {"body": " "},
        content_type="application/json",
        headers={"authorization": f"Bearer {raw}", "accept-language": "hu"},
    )

    assert response.status_code == 400
    assert response.headers["Content-Language"] == "en"
    assert "Write a message first." in response.content.decode()


@pytest.mark.django_db
def test_a_service_refusal_and_a_conflict_are_in_the_readers_language(personas, make_ticket):
    ticket = make_ticket()
    with translation.override("en"):
        services.ticket_assign(personas.agent, ticket=ticket, assignee=personas.agent)

    with translation.override("hu"):
        with pytest.raises(ValidationError) as refused:
            services.ticket_reply(personas.admin_a, ticket=ticket, body=" ")
        with pytest.raises(changes.ConcurrentEdit) as conflict:
            changes.lock(ticket, expected_version=1)
        text = actions.describe_conflict(conflict.value)

    assert refused.value.message_dict == {"body": ["Előbb írja meg az üzenetet."]}
    assert text.startswith("Az ügy megváltozott, amíg Ön szerkesztette")
    # Assigning a new ticket acknowledges it: two changes at one instant, in any order.
    assert "Agnes Agent módosította: ügyintéző → „Agnes Agent”" in text
    assert "Agnes Agent módosította: állapot „Új” → „Visszaigazolva”" in text


def test_an_update_cadence_in_hungarian():
    with translation.override("hu"):
        assert describe_cadence(4, "hours", always_open=False) == "4 munkaóránként"
        assert describe_cadence(2, "hours", always_open=True) == "2 óránként, éjjel-nappal"
        assert describe_cadence(1, "business_days", always_open=False) == "munkanaponta"
    with translation.override("en"):
        assert describe_cadence(4, "hours", always_open=False) == "every 4 business hours"


@pytest.mark.django_db
def test_the_admin_names_the_apps_and_the_calendar_switch_in_hungarian(client, personas):
    personas.administrator.language = "hu"
    personas.administrator.save()
    client.force_login(personas.administrator)

    index = client.get("/admin/").content.decode()
    calendar = client.get("/admin/sla/businesscalendar/add/").content.decode()

    assert "Szerződések és SLA" in index and "Contracts and SLA" not in index
    assert "Ügyfélszolgálat – adminisztráció" in index
    assert "nyitva az áthelyezett munkanapokon" in calendar.lower()


@pytest.mark.django_db
def test_the_help_desks_own_history_notes_are_read_in_the_readers_language(
    client, hungarian_admin, personas, make_ticket
):
    """A workaround lowers the severity with a note, and resolving ends a pending
    escalation request with one: both stored in English, read in Hungarian; what a
    person wrote (the escalation's reason) stays as written."""
    ticket = make_ticket(severity="S2", requester=hungarian_admin)
    with translation.override("en"):
        escalations.escalation_request(hungarian_admin, ticket=ticket, reason="Payroll is due.")
        services.ticket_transition(personas.agent, ticket=ticket, action="acknowledge")
        services.ticket_transition(
            personas.agent, ticket=ticket, action="provide_workaround", workaround="Use v8.0."
        )
        services.ticket_transition(
            personas.agent, ticket=ticket, action="resolve", resolution="Fixed in 8.1.4."
        )
    client.force_login(hungarian_admin)

    text = visible_text(client.get(f"/tickets/{ticket.reference}/").content.decode())

    assert "Áthidaló megoldás van érvényben." in text
    assert "Az ügy megoldódott, mielőtt vezető döntött volna a kérésről." in text
    assert "Payroll is due." in text
    assert "A workaround is in place." not in text
    assert "before a manager decided" not in text


@pytest.mark.django_db
def test_the_admins_change_forms_label_the_fields_in_hungarian(client, personas, contracts):
    """Django's admin labels a field with its verbose name: every model field has one,
    translated, so a Hungarian administrator reads no English label."""
    calendar = BusinessCalendar.objects.create(name="Budapest office", timezone="Europe/Budapest")
    calendar.openings.create(weekday=0, opens=dt.time(9), closes=dt.time(17))
    calendar.dates.create(date=dt.date(2026, 12, 24), note="Christmas Eve")
    personas.administrator.language = "hu"
    personas.administrator.save()
    client.force_login(personas.administrator)
    pages = {
        f"/admin/sla/businesscalendar/{calendar.pk}/change/": (
            ["Munkaidő-naptár módosítása", "Időzóna", "Ünnepnapok országa", "A hét napja", "Nyit"],
            ["Change business calendar", "Timezone", "Holiday country", "Weekday", "Opens"],
        ),
        f"/admin/sla/contract/{contracts['ACME'].pk}/change/": (
            ["Érvényesség kezdete", "Érvényesség vége", "Licenckulcs", "Lefedett verziók"],
            ["Valid from", "Valid to", "Licence key", "Covered versions", "Tier"],
        ),
        "/admin/knowledge/article/add/": (
            ["Új cikk", "Láthatóság", "Támogatási szintek", "Közzétéve"],
            ["Add article", "Visibility", "Tiers", "Is published", "Published"],
        ),
        "/admin/notifications/oncallshift/add/": (
            ["Új ügyeleti műszak", "Kezdete", "Eltérés a beosztástól"],
            ["Starts at", "Ends at", "Is override"],
        ),
        "/admin/webhooks/endpoint/add/": (
            ["Új webhook-végpont", "A szolgáltató végpontja", "Események", "Aktív"],
            ["Add endpoint", "Is vendor", "Events", "Is active", "Created by"],
        ),
    }
    for url, (hungarian, english) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        # Django's Hungarian page titles begin with the model's name as written:
        # "munkaidő-naptár módosítása"; a label is capitalised, "Időzóna".
        text = visible_text(response.content.decode()).lower()
        assert [label for label in hungarian if label.lower() not in text] == [], url
        assert [label for label in english if re.search(rf"\b{label.lower()}\b", text)] == [], url


def test_a_choices_label_by_its_value_is_what_get_display_gives_in_the_readers_language():
    """The lists' rows name a ticket's type and priority by value
    (tickets.wording.choice_label), as get_FOO_display() does, in English and in
    Hungarian."""
    from tickets.models import Priority, Ticket, TicketType

    for language in ("en", "hu"):
        with translation.override(language):
            for kind in TicketType:
                shown = Ticket(type=kind.value).get_type_display()
                assert wording.choice_label(TicketType, kind.value) == shown
            for priority in Priority:
                shown = Ticket(priority=priority.value).get_priority_display()
                assert wording.choice_label(Priority, priority.value) == shown
            assert wording.choice_label(TicketType, "unknown") == "unknown"
    with translation.override("hu"):
        assert wording.choice_label(TicketType, TicketType.INCIDENT) == "Incidens"
