"""The bell, the notification list, the preferences page and the undelivered list."""

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import selectors
from notifications.models import (
    Kind,
    Notification,
    NotificationPreference,
    OutboundEmail,
    OutboundState,
)
from tests.notifications.conftest import local

pytestmark = pytest.mark.django_db


def notify(user, *, title="ACME-1 New reply", ticket=None, kind=Kind.REPLY_ADDED, key=None):
    return Notification.objects.create(
        recipient=user,
        organization=ticket.organization if ticket else None,
        ticket=ticket,
        kind=kind,
        event_key=key or f"k:{Notification.objects.count()}",
        title=title,
        url=f"/tickets/{ticket.reference}/" if ticket else "",
    )


@pytest.fixture
def ticket(make_ticket, at):
    at(local(25, 10))
    return make_ticket(severity="S2")


def test_every_page_links_the_bell_which_counts_unread_notifications(client, personas, ticket):
    notify(personas.admin_a, ticket=ticket)
    notify(personas.admin_a, ticket=ticket)
    Notification.objects.filter(pk=notify(personas.admin_a, ticket=ticket).pk).update(
        read_at=timezone.now()
    )
    client.force_login(personas.admin_a)

    page = client.get(reverse("ticket_list")).content.decode()
    bell = client.get(reverse("notification_bell")).content.decode()

    assert f'hx-get="{reverse("notification_bell")}"' in page
    assert f'href="{reverse("notification_list")}"' in page
    assert ">2<" in bell and "unread" in bell


def test_the_bell_is_empty_without_unread_notifications(client, personas):
    client.force_login(personas.agent)
    assert client.get(reverse("notification_bell")).content.decode().strip() == ""


@pytest.mark.parametrize("persona", ["agent", "admin_a"])
def test_the_unread_count_is_one_query(persona, personas, ticket, django_assert_num_queries):
    user = getattr(personas, persona)
    notify(user, ticket=ticket)
    with django_assert_num_queries(1):
        assert selectors.unread_count_for(user=user) == 1


def test_the_list_shows_only_my_notifications_newest_first(client, personas, ticket):
    notify(personas.admin_a, ticket=ticket, title="First for Alice")
    notify(personas.admin_a, ticket=ticket, title="Second for Alice")
    notify(personas.user_a, ticket=ticket, title="For Arthur")
    client.force_login(personas.admin_a)

    page = client.get(reverse("notification_list")).content.decode()

    assert page.index("Second for Alice") < page.index("First for Alice")
    assert "For Arthur" not in page


def test_opening_a_notification_marks_it_read_and_goes_to_its_ticket(client, personas, ticket):
    notification = notify(personas.admin_a, ticket=ticket)
    client.force_login(personas.admin_a)

    response = client.post(
        reverse("notification_read", kwargs={"notification_id": notification.pk}), {"open": "1"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.reference}/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_read_is_post_only(client, personas, ticket):
    notification = notify(personas.admin_a, ticket=ticket)
    client.force_login(personas.admin_a)

    url = reverse("notification_read", kwargs={"notification_id": notification.pk})
    assert client.get(url).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_someone_elses_notification_is_a_404(client, personas, ticket):
    theirs = notify(personas.user_a, ticket=ticket)
    for user in (personas.admin_a, personas.admin_b, personas.agent):
        client.force_login(user)
        url = reverse("notification_read", kwargs={"notification_id": theirs.pk})
        assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_marks_only_mine(client, personas, ticket):
    mine = [notify(personas.agent, ticket=ticket) for _ in range(3)]
    theirs = notify(personas.manager, ticket=ticket)
    client.force_login(personas.agent)

    client.post(reverse("notification_read_all"))

    assert not Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_customer_switches_an_email_off_and_keeps_it_in_app(client, personas):
    client.force_login(personas.admin_a)
    url = reverse("notification_preferences")
    page = client.get(url).content.decode()
    assert "Email and in-app" in page and "Status change" in page
    data = dict.fromkeys(selectors.CUSTOMER_KINDS, "email") | {Kind.STATUS_CHANGED: "in_app"}

    response = client.post(url, data)

    assert response.status_code == 302
    assert selectors.preferences_for(personas.admin_a)[Kind.STATUS_CHANGED] is False
    assert not selectors.email_wanted(Kind.STATUS_CHANGED, user=personas.admin_a)
    assert selectors.email_wanted(Kind.REPLY_ADDED, user=personas.admin_a)


def test_a_post_that_leaves_choices_out_changes_nothing(client, personas):
    client.force_login(personas.admin_a)

    response = client.post(reverse("notification_preferences"), {"role": "admin"})

    assert response.status_code == 200
    assert not NotificationPreference.objects.exists()


def test_breach_and_critical_notices_cannot_be_switched_off_by_the_people_responsible(
    client, personas, ticket
):
    client.force_login(personas.manager)
    page = client.get(reverse("notification_preferences")).content.decode()
    assert "Always emailed" in page and "SLA breach" in page
    data = dict.fromkeys(selectors.STAFF_KINDS, "in_app") | {Kind.SLA_BREACH: "in_app"}

    client.post(reverse("notification_preferences"), data)

    assert not NotificationPreference.objects.filter(kind=Kind.SLA_BREACH, email=False).exists()
    assert selectors.email_wanted(Kind.SLA_BREACH, user=personas.manager, ticket=ticket)
    assert selectors.email_wanted(Kind.ONCALL_PAGE, user=personas.manager, ticket=ticket)
    # Warnings are switched off for S2 tickets, but a critical ticket's still arrive.
    assert not selectors.email_wanted(Kind.SLA_WARNING, user=personas.manager, ticket=ticket)
    ticket.severity = "S1"
    assert selectors.email_wanted(Kind.SLA_WARNING, user=personas.manager, ticket=ticket)


def test_agents_see_undelivered_email_and_customers_may_not(client, personas, ticket):
    OutboundEmail.objects.create(
        kind=Kind.REPLY_ADDED,
        event_key="reply:9",
        recipient="gone@acme.example",
        ticket=ticket,
        organization=ticket.organization,
        subject="x",
        body_text="x",
        message_id="<x@helpdesk.test>",
        state=OutboundState.FAILED,
        refused=True,
        last_error="AnymailRecipientsRefused: unknown user",
    )
    client.force_login(personas.admin_a)
    assert client.get(reverse("outbound_failed_list")).status_code == 403

    client.force_login(personas.agent)
    page = client.get(reverse("outbound_failed_list")).content.decode()
    assert "gone@acme.example" in page and ticket.reference in page


def test_the_rota_is_kept_in_the_admin_and_repeated_a_week_later(client, personas):
    from notifications.models import OnCallShift

    shift = OnCallShift.objects.create(
        user=personas.agent, starts_at=local(23, 9), ends_at=local(30, 9)
    )
    client.force_login(personas.administrator)
    url = reverse("admin:notifications_oncallshift_changelist")

    client.post(url, {"action": "repeat_next_week", "_selected_action": [shift.pk]})
    client.post(url, {"action": "repeat_next_week", "_selected_action": [shift.pk]})

    assert list(OnCallShift.objects.values_list("starts_at", flat=True)) == [
        local(23, 9),
        local(30, 9),
    ]  # the second copy would overlap the first: refused
    assert selectors.on_call_at(local(30, 12)) == personas.agent


def test_a_rota_shift_overlapping_another_is_refused_but_an_override_is_not(personas):
    from django.core.exceptions import ValidationError

    from notifications.models import OnCallShift
    from tests import factories

    OnCallShift.objects.create(user=personas.agent, starts_at=local(23, 9), ends_at=local(30, 9))
    other = factories.StaffFactory()
    clash = OnCallShift(user=other, starts_at=local(25, 9), ends_at=local(26, 9))
    with pytest.raises(ValidationError, match="rota shifts do not overlap"):
        clash.full_clean()
    OnCallShift(
        user=other, starts_at=local(25, 9), ends_at=local(26, 9), is_override=True
    ).full_clean()
    with pytest.raises(ValidationError, match="Only vendor staff"):
        OnCallShift(
            user=personas.admin_a, starts_at=local(25, 9), ends_at=local(26, 9), is_override=True
        ).full_clean()
