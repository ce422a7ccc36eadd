"""The support workflow: every action from every status by every role, the reopen window
and the auto-close of resolved tickets."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tickets import services, tasks, workflow
from tickets.models import Status, Ticket, TicketEvent
from tickets.wording import status_name

S = Status
CUSTOMER_USER, CUSTOMER_ADMIN, STAFF, SYSTEM = "customer user", "customer admin", "staff", "system"
# The words the steps that need them are given (the service refuses them without).
TEXTS = {"workaround": "Restart the spooler.", "resolution": "Fixed.", "reason": "Still broken."}
ROLES = [CUSTOMER_USER, CUSTOMER_ADMIN, STAFF, SYSTEM]
CUSTOMERS = {CUSTOMER_USER, CUSTOMER_ADMIN}

# Written out from the design, independently of workflow.TRANSITIONS: which statuses an
# action leaves from, where it leads, and who may take it.
EXPECTED = {
    "acknowledge": ({S.NEW}, S.ACKNOWLEDGED, {STAFF}),
    "start_progress": ({S.NEW, S.ACKNOWLEDGED, S.WORKAROUND_PROVIDED}, S.IN_PROGRESS, {STAFF}),
    "wait_on_customer": (
        {S.ACKNOWLEDGED, S.IN_PROGRESS, S.WORKAROUND_PROVIDED},
        S.WAITING_ON_CUSTOMER,
        {STAFF},
    ),
    "resume": ({S.WAITING_ON_CUSTOMER}, S.IN_PROGRESS, {STAFF, *CUSTOMERS}),
    "provide_workaround": (
        {S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER},
        S.WORKAROUND_PROVIDED,
        {STAFF},
    ),
    "resolve": (
        {S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.WORKAROUND_PROVIDED},
        S.RESOLVED,
        {STAFF},
    ),
    "accept_workaround": ({S.WORKAROUND_PROVIDED}, S.CLOSED, CUSTOMERS),
    "confirm_resolution": ({S.RESOLVED}, S.CLOSED, {STAFF, SYSTEM, *CUSTOMERS}),
    "reopen": ({S.RESOLVED, S.CLOSED}, S.IN_PROGRESS, {STAFF, *CUSTOMERS}),
}


def _actor(personas, role):
    return {
        CUSTOMER_USER: personas.user_a,
        CUSTOMER_ADMIN: personas.admin_a,
        STAFF: personas.agent,
        SYSTEM: None,
    }[role]


def _put_in(ticket: Ticket, status: str) -> Ticket:
    """Set up a ticket in ``status`` directly: the matrix is about the step, not the road."""
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        status=status,
        resolved_at=now if status in (S.RESOLVED, S.CLOSED) else None,
        closed_at=now if status == S.CLOSED else None,
    )
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(EXPECTED))
def test_each_action_from_each_status_succeeds_only_where_the_workflow_allows(
    personas, make_ticket, action, role
):
    sources, target, who = EXPECTED[action]
    ticket = make_ticket(requester=personas.user_a)
    actor = _actor(personas, role)
    for status in Status.values:
        ticket = _put_in(ticket, status)
        version = ticket.version
        events = TicketEvent.objects.filter(ticket=ticket).count()
        status_events = TicketEvent.objects.filter(ticket=ticket, field="status").count()
        if status in sources and role in who:
            moved = services.ticket_transition(actor, ticket=ticket, action=action, **TEXTS)
            assert moved.status == target, (action, status, role)
            assert Ticket.objects.get(pk=ticket.pk).status == target
            assert Ticket.objects.get(pk=ticket.pk).version == version + 1
            after = TicketEvent.objects.filter(ticket=ticket, field="status")
            assert after.count() == status_events + 1
            assert after.last().new_value == Status(target).label
        else:
            with pytest.raises(workflow.TransitionError) as refused:
                services.ticket_transition(actor, ticket=ticket, action=action, **TEXTS)
            message = str(refused.value)
            if role not in who:
                assert message.startswith("Only "), message
            else:
                named = status_name(status, for_staff=role not in CUSTOMERS)
                assert named.lower() in message, message
            unchanged = Ticket.objects.get(pk=ticket.pk)
            assert (unchanged.status, unchanged.version) == (status, version), (action, status)
            assert TicketEvent.objects.filter(ticket=ticket).count() == events


@pytest.mark.parametrize("role", [CUSTOMER_ADMIN, STAFF, SYSTEM])
def test_available_actions_match_the_workflow_for_every_status_and_role(role):
    engine_role = {CUSTOMER_ADMIN: workflow.CUSTOMER, STAFF: workflow.STAFF, SYSTEM: "system"}
    for status in Status.values:
        offered = {t.action for t in workflow.available(status=status, role=engine_role[role])}
        expected = {a for a, (src, _, who) in EXPECTED.items() if status in src and role in who}
        assert offered == expected, status


def test_refusals_say_who_may_act_and_why_the_status_does_not_allow_it():
    with pytest.raises(workflow.TransitionError, match="Only the support team can “resolve”"):
        workflow.check("resolve", status=S.IN_PROGRESS, role=workflow.CUSTOMER)
    with pytest.raises(
        workflow.TransitionError, match="A ticket that is closed cannot be moved with “resolve”"
    ):
        workflow.check("resolve", status=S.CLOSED, role=workflow.STAFF)
    with pytest.raises(workflow.TransitionError, match="not a step of the support workflow"):
        workflow.check("teleport", status=S.NEW, role=workflow.STAFF)


@pytest.mark.django_db
def test_a_customer_of_another_organisation_cannot_move_the_ticket(personas, make_ticket):
    from django.core.exceptions import PermissionDenied

    ticket = make_ticket()
    with pytest.raises(PermissionDenied):
        services.ticket_transition(personas.admin_b, ticket=ticket, action="resume")


@pytest.mark.django_db
def test_providing_a_workaround_needs_its_text(personas, make_ticket):
    from django.core.exceptions import ValidationError

    ticket = make_ticket()
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    with pytest.raises(ValidationError):
        services.ticket_transition(personas.agent, ticket=ticket, action="provide_workaround")
    assert Ticket.objects.get(pk=ticket.pk).status == S.IN_PROGRESS


def _closed_ticket(personas, make_ticket):
    ticket = make_ticket()
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    services.ticket_transition(
        personas.agent, ticket=ticket, action="resolve", resolution="Fixed in 8.1.3."
    )
    return services.ticket_transition(personas.admin_a, ticket=ticket, action="confirm_resolution")


@pytest.mark.django_db
def test_closed_ticket_reopens_within_the_window(personas, make_ticket, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    ticket = _closed_ticket(personas, make_ticket)
    time_machine.shift(dt.timedelta(days=14) - dt.timedelta(minutes=1))
    reopened = services.ticket_transition(
        personas.admin_a, ticket=ticket, action="reopen", reason="Still failing."
    )
    assert reopened.status == S.IN_PROGRESS
    assert reopened.closed_at is None and reopened.resolved_at is None


@pytest.mark.django_db
def test_closed_ticket_cannot_be_reopened_after_the_window(personas, make_ticket, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    ticket = _closed_ticket(personas, make_ticket)
    version = Ticket.objects.get(pk=ticket.pk).version
    time_machine.shift(dt.timedelta(days=14, minutes=1))
    with pytest.raises(workflow.TransitionError, match="reopened for 14 days; log a new ticket"):
        services.ticket_transition(
            personas.admin_a, ticket=ticket, action="reopen", reason="Still failing."
        )
    unchanged = Ticket.objects.get(pk=ticket.pk)
    assert (unchanged.status, unchanged.version) == (S.CLOSED, version)


@pytest.mark.django_db
def test_reopen_window_follows_the_setting(personas, make_ticket, time_machine, settings):
    settings.TICKET_REOPEN_WINDOW_DAYS = 3
    time_machine.move_to(timezone.now(), tick=False)
    ticket = _closed_ticket(personas, make_ticket)
    time_machine.shift(dt.timedelta(days=3, minutes=1))
    with pytest.raises(workflow.TransitionError, match="reopened for 3 days"):
        services.ticket_transition(
            personas.agent, ticket=ticket, action="reopen", reason="Still failing."
        )


@pytest.mark.django_db
def test_resolved_ticket_reopens_however_long_ago_it_was_resolved(
    personas, make_ticket, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    ticket = make_ticket()
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    services.ticket_transition(
        personas.agent, ticket=ticket, action="resolve", resolution="Fixed in 8.1.3."
    )
    time_machine.shift(dt.timedelta(days=30))
    assert services.ticket_transition(
        personas.admin_a, ticket=ticket, action="reopen", reason="Still failing."
    ).is_open


def _resolved_at(personas, make_ticket, **extra):
    ticket = make_ticket(**extra)
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    return services.ticket_transition(
        personas.agent, ticket=ticket, action="resolve", resolution="Fixed in 8.1.3."
    )


@pytest.mark.django_db
def test_autoclose_closes_resolved_tickets_after_the_window_and_not_before(
    personas, make_ticket, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    ticket = _resolved_at(personas, make_ticket)
    still_open = make_ticket(title="Still being worked on")
    services.ticket_transition(personas.agent, ticket=still_open, action="start_progress")

    time_machine.shift(dt.timedelta(days=7) - dt.timedelta(seconds=1))
    assert services.tickets_autoclose() == 0
    assert Ticket.objects.get(pk=ticket.pk).status == S.RESOLVED

    time_machine.shift(dt.timedelta(seconds=1))
    assert services.tickets_autoclose() == 1
    closed = Ticket.objects.get(pk=ticket.pk)
    assert closed.status == S.CLOSED
    assert closed.closed_at == timezone.now()
    event = TicketEvent.objects.filter(ticket=ticket, field="status").last()
    assert (event.actor, event.new_value) == (None, "Closed")
    assert Ticket.objects.get(pk=still_open.pk).status == S.IN_PROGRESS
    assert services.tickets_autoclose() == 0  # nothing left: running twice changes nothing


@pytest.mark.django_db
def test_autoclose_leaves_a_ticket_the_customer_answered_after_its_resolution(
    personas, make_ticket, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    answered = _resolved_at(personas, make_ticket)
    thanked_by_agent = _resolved_at(personas, make_ticket, title="Agent wrote last")
    time_machine.shift(dt.timedelta(days=1))
    services.ticket_reply(personas.admin_a, ticket=answered, body="It is still broken.")
    services.ticket_reply(personas.agent, ticket=thanked_by_agent, body="Glad it works.")
    time_machine.shift(dt.timedelta(days=7))
    assert services.tickets_autoclose() == 1
    assert Ticket.objects.get(pk=answered.pk).status == S.RESOLVED
    assert Ticket.objects.get(pk=thanked_by_agent.pk).status == S.CLOSED


@pytest.mark.django_db
def test_autoclose_window_follows_the_setting(personas, make_ticket, time_machine, settings):
    settings.TICKET_AUTOCLOSE_DAYS = 2
    time_machine.move_to(timezone.now(), tick=False)
    ticket = _resolved_at(personas, make_ticket)
    time_machine.shift(dt.timedelta(days=2))
    assert services.tickets_autoclose() == 1
    assert Ticket.objects.get(pk=ticket.pk).status == S.CLOSED


@pytest.mark.django_db
def test_autoclose_task_closes_due_tickets_of_every_organisation(
    personas, make_ticket, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    acme = _resolved_at(personas, make_ticket)
    globex = _resolved_at(personas, make_ticket, requester=personas.admin_b, severity="S2")
    time_machine.shift(dt.timedelta(days=8))
    assert tasks.autoclose_resolved_tickets.apply().get() == 2
    assert {t.status for t in Ticket.objects.filter(pk__in=[acme.pk, globex.pk])} == {S.CLOSED}


def test_autoclose_runs_every_hour_from_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["autoclose-resolved-tickets"]
    assert entry["task"] == tasks.autoclose_resolved_tickets.name
    assert entry["schedule"] == 60 * 60


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "field", "words"),
    [
        ("resolve", "resolution", "Describe the resolution"),
        ("reopen", "reason", "Say why the ticket needs more work"),
        ("provide_workaround", "workaround", "Describe the workaround"),
    ],
)
def test_steps_that_need_words_for_the_customer_are_refused_without_them(
    personas, make_ticket, action, field, words
):
    ticket = make_ticket()
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    if action == "reopen":
        services.ticket_transition(
            personas.agent, ticket=ticket, action="resolve", resolution="Fixed in 8.1.3."
        )
    before = Ticket.objects.get(pk=ticket.pk)
    with pytest.raises(ValidationError) as refused:
        services.ticket_transition(personas.agent, ticket=ticket, action=action, **{field: "  "})
    assert words in refused.value.message_dict[field][0]
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.status, after.version) == (before.status, before.version)


@pytest.mark.django_db
def test_resolution_is_kept_for_the_customer_and_cleared_by_a_reopen(personas, make_ticket):
    ticket = make_ticket()
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    resolved = services.ticket_transition(
        personas.agent, ticket=ticket, action="resolve", resolution=" Fixed in 8.1.3. "
    )
    assert resolved.resolution == "Fixed in 8.1.3."
    assert TicketEvent.objects.filter(ticket=ticket, kind="resolution").get().new_value == (
        "Fixed in 8.1.3."
    )

    reopened = services.ticket_transition(
        personas.admin_a, ticket=ticket, action="reopen", reason="The error is back."
    )
    assert reopened.resolution == ""
    reply = reopened.replies.get()
    assert (reply.author, reply.body, reply.is_internal) == (
        personas.admin_a,
        "The error is back.",
        False,
    )
    status = TicketEvent.objects.filter(ticket=ticket, field="status").latest("pk")
    assert status.message == "The error is back."


@pytest.mark.django_db
def test_accepting_a_workaround_makes_it_the_resolution(personas, make_ticket):
    ticket = make_ticket()
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    services.ticket_transition(
        personas.agent, ticket=ticket, action="provide_workaround", workaround="Use batches."
    )
    closed = services.ticket_transition(personas.admin_a, ticket=ticket, action="accept_workaround")
    assert closed.resolution == "Use batches."
