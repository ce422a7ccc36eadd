"""Ticket services: conversation, optimistic concurrency, history, triage and escalation."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests import factories
from tickets import changes, escalations, intake, selectors, services
from tickets.models import EscalationStatus, Priority, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def ticket(make_ticket, personas):
    """An S2 ticket of ACME that an agent has acknowledged."""
    made = make_ticket(severity="S2")
    return services.ticket_transition(personas.agent, ticket=made, action="acknowledge")


# --- Intake ----------------------------------------------------------------------------


def test_s1_ticket_without_business_impact_is_refused(personas, contracts):
    with pytest.raises(ValidationError) as refused:
        intake.ticket_create(
            personas.admin_a,
            organization=personas.org_a,
            requester=personas.admin_a,
            title="Everything is down",
            description="Nothing works.",
            severity="S1",
            business_impact="  ",
        )
    assert "business_impact" in refused.value.message_dict
    assert not Ticket.objects.exists()


def test_a_customer_names_only_a_version_of_the_contract_staff_log_any_flagged(
    make_ticket, personas, contracts
):
    uncovered = contracts["version"].product.versions.create(version="7.0")
    with pytest.raises(ValidationError) as refused:
        make_ticket(product_version=uncovered)
    assert "product_version" in refused.value.message_dict
    assert not Ticket.objects.exists()
    logged = make_ticket(actor=personas.agent, product_version=uncovered)
    assert not logged.product_covered and logged.product_version == uncovered


def test_customer_cannot_log_a_ticket_for_another_organisation(personas, contracts):
    with pytest.raises(PermissionDenied):
        intake.ticket_create(
            personas.admin_a,
            organization=personas.org_b,
            requester=personas.admin_b,
            title="Not mine",
            description="Really not.",
            severity="S3",
        )


def test_customer_cannot_choose_the_priority_staff_can(personas, contracts):
    common = {
        "organization": personas.org_a,
        "requester": personas.admin_a,
        "description": "Posting fails.",
        "severity": "S2",
        "priority": Priority.URGENT,
    }
    by_customer = intake.ticket_create(personas.admin_a, title="By the customer", **common)
    by_agent = intake.ticket_create(personas.agent, title="By phone", channel="phone", **common)
    assert (by_customer.priority, by_agent.priority) == (Priority.MEDIUM, Priority.URGENT)
    assert by_agent.created_by == personas.agent and by_agent.requester == personas.admin_a


# --- Conversation and notes --------------------------------------------------------------


def test_internal_notes_are_left_out_of_the_customers_conversation(ticket, personas):
    services.ticket_reply(personas.agent, ticket=ticket, body="Public answer.")
    services.ticket_reply(personas.agent, ticket=ticket, body="SECRET-NOTE", internal=True)
    services.ticket_reply(personas.admin_a, ticket=ticket, body="Thanks.")

    bodies = [r.body for r in selectors.conversation_for(user=personas.admin_a, ticket=ticket)]
    assert bodies == ["Public answer.", "Thanks."]
    staff_bodies = [r.body for r in selectors.conversation_for(user=personas.agent, ticket=ticket)]
    assert staff_bodies == ["Public answer.", "SECRET-NOTE", "Thanks."]


def test_customer_cannot_write_an_internal_note(ticket, personas):
    with pytest.raises(PermissionDenied):
        services.ticket_reply(personas.admin_a, ticket=ticket, body="Hidden?", internal=True)
    assert not ticket.replies.exists()


def test_customer_cannot_reply_to_a_ticket_of_another_organisation(ticket, personas):
    with pytest.raises(PermissionDenied):
        services.ticket_reply(personas.admin_b, ticket=ticket, body="Hello?")


def test_customer_cannot_reply_on_a_closed_ticket_but_staff_can(ticket, personas):
    services.ticket_transition(
        personas.agent, ticket=ticket, action="resolve", resolution="Fixed in 8.1.3."
    )
    services.ticket_transition(personas.admin_a, ticket=ticket, action="confirm_resolution")
    with pytest.raises(ValidationError, match="reopen it"):
        services.ticket_reply(personas.admin_a, ticket=ticket, body="One more thing")
    services.ticket_reply(personas.agent, ticket=ticket, body="For the record.")
    assert [r.body for r in ticket.replies.all()] == ["For the record."]


def test_first_public_staff_reply_acknowledges_a_new_ticket(make_ticket, personas):
    ticket = make_ticket(severity="S3")
    services.ticket_reply(personas.agent, ticket=ticket, body="We have it.")
    ticket = fresh(ticket)
    assert ticket.status == Status.ACKNOWLEDGED
    assert ticket.first_response_at is not None and ticket.acknowledged_at is not None


# --- Optimistic concurrency ------------------------------------------------------------


def test_second_editor_of_the_same_version_is_refused_with_the_first_change(
    ticket, personas, time_machine
):
    other_agent = factories.StaffFactory(full_name="Otto Other")
    seen = fresh(ticket).version  # both editors load this version
    services.ticket_set_priority(
        personas.agent, ticket=ticket, priority=Priority.HIGH, expected_version=seen
    )
    with pytest.raises(changes.ConcurrentEdit) as conflict:
        services.ticket_assign(
            other_agent, ticket=ticket, assignee=other_agent, expected_version=seen
        )
    assert "changed while you were editing" in str(conflict.value)
    assert "Agnes Agent" in str(conflict.value)
    assert [(e.field, e.old_value, e.new_value, e.actor) for e in conflict.value.changes] == [
        ("priority", "Medium", "High", personas.agent)
    ]
    ticket = fresh(ticket)
    assert (ticket.priority, ticket.assignee, ticket.version) == (Priority.HIGH, None, seen + 1)


def test_editor_with_the_current_version_goes_through(ticket, personas):
    seen = fresh(ticket).version
    services.ticket_set_priority(
        personas.agent, ticket=ticket, priority=Priority.HIGH, expected_version=seen
    )
    services.ticket_set_priority(
        personas.agent, ticket=ticket, priority=Priority.LOW, expected_version=seen + 1
    )
    assert fresh(ticket).priority == Priority.LOW


def test_stale_workflow_step_is_refused_and_changes_nothing(ticket, personas):
    seen = fresh(ticket).version
    services.ticket_transition(
        personas.agent, ticket=ticket, action="start_progress", expected_version=seen
    )
    with pytest.raises(changes.ConcurrentEdit) as conflict:
        services.ticket_transition(
            personas.agent,
            ticket=ticket,
            action="resolve",
            resolution="Fixed.",
            expected_version=seen,
        )
    assert [(e.field, e.new_value) for e in conflict.value.changes] == [("status", "In progress")]
    assert fresh(ticket).status == Status.IN_PROGRESS


# --- History ---------------------------------------------------------------------------


def test_each_change_writes_one_history_row_with_field_values_actor_and_time(
    ticket, personas, time_machine
):
    when = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
    time_machine.move_to(when, tick=False)
    before = TicketEvent.objects.filter(ticket=ticket).count()

    services.ticket_assign(personas.agent, ticket=ticket, assignee=personas.agent)
    services.ticket_set_priority(personas.agent, ticket=ticket, priority=Priority.URGENT)
    services.ticket_set_severity(
        personas.agent, ticket=ticket, severity="S1", reason="Now blocking payroll."
    )
    new = list(TicketEvent.objects.filter(ticket=ticket).order_by("pk")[before:])
    assert [(e.field, e.old_value, e.new_value, e.actor, e.created_at) for e in new] == [
        ("assignee", "", "Agnes Agent", personas.agent, when),
        ("priority", "Medium", "Urgent", personas.agent, when),
        ("severity", "S2", "S1", personas.agent, when),
    ]
    assert fresh(ticket).version == new[-1].ticket_version


def test_a_change_to_the_same_value_writes_no_history(ticket, personas):
    before = TicketEvent.objects.filter(ticket=ticket).count()
    version = fresh(ticket).version
    services.ticket_set_priority(personas.agent, ticket=ticket, priority=Priority.MEDIUM)
    services.ticket_assign(personas.agent, ticket=ticket, assignee=None)
    assert TicketEvent.objects.filter(ticket=ticket).count() == before
    assert fresh(ticket).version == version


def test_customers_see_public_history_only_and_staff_see_priority_changes(ticket, personas):
    services.ticket_set_priority(personas.agent, ticket=ticket, priority=Priority.HIGH)
    services.ticket_reply(personas.agent, ticket=ticket, body="note", internal=True)
    services.ticket_assign(personas.agent, ticket=ticket, assignee=personas.agent)

    customer_view = selectors.history_for(user=personas.admin_a, ticket=ticket)
    staff_view = selectors.history_for(user=personas.agent, ticket=ticket)
    assert all(e.is_public for e in customer_view)
    assert "priority" not in {e.field for e in customer_view}
    assert "note" not in {e.kind for e in customer_view}
    assert "assignee" in {e.field for e in customer_view}
    assert {"priority", "assignee"} <= {e.field for e in staff_view}
    assert "note" in {e.kind for e in staff_view}


def test_tracker_link_records_each_field_that_changed(ticket, personas):
    services.ticket_link_tracker(
        personas.agent,
        ticket=ticket,
        reference="LED-4711",
        url="https://tracker.example/LED-4711",
        estimated_resolution=dt.date(2026, 12, 15),
    )
    events = TicketEvent.objects.filter(ticket=ticket, kind="tracker").order_by("pk")
    assert [(e.field, e.new_value) for e in events] == [
        ("tracker_reference", "LED-4711"),
        ("tracker_url", "https://tracker.example/LED-4711"),
        ("estimated_resolution", "2026-12-15"),
    ]
    with pytest.raises(PermissionDenied):
        services.ticket_link_tracker(
            personas.admin_a, ticket=ticket, reference="X", url="", estimated_resolution=None
        )


# --- Triage permissions ------------------------------------------------------------------


def test_customers_cannot_triage(ticket, personas):
    with pytest.raises(PermissionDenied):
        services.ticket_set_priority(personas.admin_a, ticket=ticket, priority=Priority.HIGH)
    with pytest.raises(PermissionDenied):
        services.ticket_assign(personas.admin_a, ticket=ticket, assignee=personas.agent)
    with pytest.raises(PermissionDenied):
        services.ticket_set_severity(personas.admin_a, ticket=ticket, severity="S1", reason="x")
    assert fresh(ticket).priority == Priority.MEDIUM


def test_tickets_are_assigned_to_staff_only(ticket, personas):
    with pytest.raises(ValidationError):
        services.ticket_assign(personas.agent, ticket=ticket, assignee=personas.admin_a)


def test_severity_change_needs_a_reason(ticket, personas):
    with pytest.raises(ValidationError):
        services.ticket_set_severity(personas.agent, ticket=ticket, severity="S1", reason=" ")
    assert fresh(ticket).severity == "S2"


# --- Escalation --------------------------------------------------------------------------


def test_escalation_request_needs_a_reason_and_one_pending_request_at_a_time(ticket, personas):
    with pytest.raises(ValidationError):
        escalations.escalation_request(personas.admin_a, ticket=ticket, reason="   ")
    escalations.escalation_request(personas.admin_a, ticket=ticket, reason="Month-end close.")
    with pytest.raises(ValidationError, match="already awaiting review"):
        escalations.escalation_request(personas.admin_a, ticket=ticket, reason="Again")
    assert ticket.escalations.count() == 1


def test_manager_accepts_an_escalation_raising_the_level_and_naming_a_specialist(ticket, personas):
    specialist = factories.StaffFactory(full_name="Sam Specialist")
    escalation = escalations.escalation_request(
        personas.admin_a, ticket=ticket, reason="Month-end close."
    )
    with pytest.raises(PermissionDenied):
        escalations.escalation_accept(
            personas.agent,
            escalation=escalation,
            level=1,
            specialist=specialist,
            action_plan="Plan",
            communication_channel="Phone",
            **factories.cadence(),
            participants="",
        )
    escalations.escalation_accept(
        personas.manager,
        escalation=escalation,
        level=2,
        specialist=specialist,
        action_plan="Daily call until the posting works.",
        communication_channel="Phone",
        **factories.cadence(),
        participants="Alice Admin, Sam Specialist",
    )
    escalation.refresh_from_db()
    ticket = fresh(ticket)
    assert escalation.status == EscalationStatus.ACCEPTED
    assert (escalation.handled_by, escalation.specialist) == (personas.manager, specialist)
    assert (ticket.escalation_level, ticket.assignee) == (2, specialist)
    level_event = TicketEvent.objects.get(ticket=ticket, field="escalation_level")
    assert (level_event.old_value, level_event.new_value, level_event.is_public) == ("0", "2", True)

    with pytest.raises(ValidationError, match="already handled"):
        escalations.escalation_decline(personas.manager, escalation=escalation, reason="No")


def test_manager_declines_an_escalation_with_a_reason(ticket, personas):
    escalation = escalations.escalation_request(personas.admin_a, ticket=ticket, reason="Faster!")
    with pytest.raises(ValidationError):
        escalations.escalation_decline(personas.manager, escalation=escalation, reason="")
    escalations.escalation_decline(
        personas.manager, escalation=escalation, reason="A workaround is in place."
    )
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.DECLINED
    assert escalation.decision_note == "A workaround is in place."
    assert fresh(ticket).escalation_level == 0


def test_escalation_level_must_go_up_and_can_be_lowered_with_a_reason(ticket, personas):
    escalation = escalations.escalation_request(personas.admin_a, ticket=ticket, reason="Urgent")
    with pytest.raises(ValidationError):
        escalations.escalation_accept(
            personas.manager,
            escalation=escalation,
            level=4,
            specialist=None,
            action_plan="Plan",
            communication_channel="Email",
            **factories.cadence(),
            participants="",
        )
    escalations.escalation_accept(
        personas.manager,
        escalation=escalation,
        level=1,
        specialist=None,
        action_plan="Plan",
        communication_channel="Email",
        **factories.cadence(),
        participants="",
    )
    with pytest.raises(ValidationError):
        escalations.ticket_lower_escalation(personas.agent, ticket=ticket, reason="")
    escalations.ticket_lower_escalation(personas.agent, ticket=ticket, reason="Severity dropped.")
    assert fresh(ticket).escalation_level == 0


def test_closed_ticket_cannot_be_escalated(ticket, personas):
    services.ticket_transition(
        personas.agent, ticket=ticket, action="resolve", resolution="Fixed in 8.1.3."
    )
    services.ticket_transition(personas.admin_a, ticket=ticket, action="confirm_resolution")
    with pytest.raises(ValidationError, match="Only open tickets"):
        escalations.escalation_request(personas.admin_a, ticket=ticket, reason="Too late")
