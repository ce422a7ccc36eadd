"""The workspace queues: which open tickets each queue holds, the filters, the urgency
order, and every count in one query."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Organization, Team
from sla.models import SupportTier
from tests import factories
from tickets import escalations, intake, live, services
from tickets.models import SavedView, Status, Ticket
from workspace import pickers, queues, saved_views

pytestmark = pytest.mark.django_db

BUDAPEST = zoneinfo.ZoneInfo("Europe/Budapest")
# A Wednesday in office hours: the 24x7 and business-hours targets both run.
MORNING = dt.datetime(2026, 3, 11, 10, 0, tzinfo=BUDAPEST)


@pytest.fixture
def office(time_machine):
    time_machine.move_to(MORNING, tick=False)
    return time_machine


def log(agent, contact, *, title, severity="S2", **extra) -> Ticket:
    return intake.ticket_create(
        agent,
        organization=contact.membership.organization,
        requester=contact,
        title=title,
        description=extra.pop("description", "Details of the problem."),
        severity=severity,
        business_impact="Work has stopped." if severity == "S1" else "",
        channel="phone",
        **extra,
    )


class World:
    """Open tickets in every state a queue distinguishes, seen at 12:45."""


@pytest.fixture
def world(office, personas, contracts):
    agent, other = personas.agent, factories.StaffFactory(full_name="Otto Other")
    org_c = factories.OrganizationFactory(name="Initech", code="INIT")
    carol = factories.customer(org_c, full_name="Carol Initech")
    w = World()
    w.agent, w.other, w.org_c, w.carol = agent, other, org_c, carol
    # ACME is on Privilege: an S1's first response is due 2 hours later, around the clock,
    # with the warning at 75 %.
    w.breached = log(agent, personas.admin_a, title="Breached S1", severity="S1")  # due 12:00
    office.shift(dt.timedelta(hours=1))
    w.warning = log(agent, personas.admin_a, title="Warning S1", severity="S1")  # due 13:00
    office.shift(dt.timedelta(minutes=85))  # 12:25
    w.mine = log(agent, personas.user_a, title="Mine S2", severity="S2")
    services.ticket_assign(other, ticket=w.mine, assignee=agent)
    w.theirs = log(agent, personas.admin_b, title="Other agent's S3", severity="S3")
    services.ticket_assign(other, ticket=w.theirs, assignee=other)
    w.waiting = log(agent, personas.admin_b, title="Waiting S2", severity="S2")
    services.ticket_transition(agent, ticket=w.waiting, action="acknowledge")
    services.ticket_transition(agent, ticket=w.waiting, action="wait_on_customer")
    w.escalated = log(agent, personas.admin_b, title="Escalation asked", severity="S2")
    escalations.escalation_request(personas.admin_b, ticket=w.escalated, reason="Too slow")
    w.no_contract = log(agent, carol, title="No contract S2", severity="S2")
    w.closed = log(agent, personas.admin_a, title="Closed", severity="S3")
    services.ticket_transition(agent, ticket=w.closed, action="acknowledge")
    services.ticket_transition(
        agent, ticket=w.closed, action="resolve", resolution="Fixed in 8.1.3."
    )
    services.ticket_transition(agent, ticket=w.closed, action="confirm_resolution")
    office.shift(dt.timedelta(minutes=20))  # 12:45
    w.at = timezone.now()
    return w


def refs(tickets) -> list[str]:
    return [t.title for t in tickets]


def queue(world, slug, **filters) -> list[str]:
    found = queues.queue_tickets(
        user=world.agent, filters=queues.QueueFilters(queue=slug, **filters), at=world.at
    )
    return refs(found)


def test_all_open_lists_every_open_ticket_most_urgent_first(world):
    titles = queue(world, "all")
    assert titles[:2] == ["Breached S1", "Warning S1"]
    assert "Closed" not in titles
    assert set(titles) == {
        "Breached S1",
        "Warning S1",
        "Mine S2",
        "Other agent's S3",
        "Waiting S2",
        "Escalation asked",
        "No contract S2",
    }


def test_tickets_without_a_running_deadline_come_last(world):
    titles = queue(world, "all")
    # Paused (waiting on the customer) and contract-less tickets have no running clock.
    assert set(titles[-2:]) == {"Waiting S2", "No contract S2"}


def test_unassigned_queue_leaves_out_assigned_tickets(world):
    titles = queue(world, "unassigned")
    assert "Mine S2" not in titles
    assert "Other agent's S3" not in titles
    assert "Breached S1" in titles


def test_mine_holds_only_the_agents_own_tickets(world):
    assert queue(world, "mine") == ["Mine S2"]


def test_my_teams_queue_holds_its_customers_tickets_and_its_members_tickets(world, personas):
    # The agent's team looks after Initech; Otto, a teammate, works a Globex ticket.
    team = Team.objects.create(name="Americas")
    team.members.add(world.agent, world.other)
    Organization.objects.filter(pk=world.org_c.pk).update(support_team=team)
    assert set(queue(world, "team")) == {"No contract S2", "Other agent's S3", "Mine S2"}
    # Another team's customers and its members' tickets stay out.
    elsewhere = Team.objects.create(name="EMEA")
    elsewhere.members.add(factories.StaffFactory(full_name="Eve Elsewhere"))
    Organization.objects.filter(pk=personas.org_a.pk).update(support_team=elsewhere)
    assert "Breached S1" not in queue(world, "team")
    # Counted once per ticket, however many teammates there are.
    team.members.add(factories.StaffFactory(), factories.StaffFactory())
    counts = queues.queue_counts(
        user=world.agent, filters=queues.QueueFilters(), tiers=[], views=[], at=world.at
    )
    assert counts.queues["team"] == 3
    assert counts.queues["all"] == 7


def test_an_agent_without_a_team_has_an_empty_team_queue(world):
    assert queue(world, "team") == []


def test_about_to_breach_holds_tickets_past_their_warning_but_not_their_deadline(world):
    assert queue(world, "warning") == ["Warning S1"]


def test_breached_holds_tickets_whose_deadline_has_passed(world):
    assert queue(world, "breached") == ["Breached S1"]


def test_waiting_on_customer_queue(world):
    assert queue(world, "waiting") == ["Waiting S2"]


def test_the_waiting_queue_asks_for_its_status_alone_in_the_order_of_its_own_index(world):
    """Its page asks for the waiting status, not for the open statuses as well
    (PostgreSQL multiplied the two: 679 tickets expected of 14,275 at a million, and
    it joined and sorted them all, 111 ms), in the order its partial index holds (2.4 ms
    there: which plan PostgreSQL takes depends on the table's size)."""
    with CaptureQueriesContext(connection) as captured:
        queue(world, "waiting")
    listed = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and 'ORDER BY "tickets_ticket"."sla_due_at"' in q["sql"]
    ]
    waiting = next(i for i in Ticket._meta.indexes if i.name == "ticket_waiting_urgency_idx")
    urgency = next(i for i in Ticket._meta.indexes if i.name == "ticket_open_urgency_idx")

    assert listed
    for sql in listed:
        where = sql.split(' FROM "tickets_ticket" ', 1)[1].split(" ORDER BY ")[0]
        assert '"tickets_ticket"."status" = \'waiting_on_customer\'' in where
        assert '"tickets_ticket"."status" IN (' not in where
    assert waiting.expressions == urgency.expressions
    assert waiting.condition == Q(status=Status.WAITING_ON_CUSTOMER)


def test_escalated_queue_holds_escalation_requests_and_raised_levels(world, personas):
    assert queue(world, "escalated") == ["Escalation asked"]
    escalation = world.escalated.escalations.get()
    escalations.escalation_accept(
        personas.manager,
        escalation=escalation,
        level=1,
        specialist=None,
        action_plan="Daily calls",
        communication_channel="Phone",
        **factories.cadence(),
        participants="",
    )
    # Accepted: no request pending any more, but the level is raised.
    assert queue(world, "escalated") == ["Escalation asked"]


def test_no_valid_contract_queue(world):
    assert queue(world, "no_contract") == ["No contract S2"]


def test_filters_narrow_any_queue_by_organisation_tier_and_severity(world, personas):
    assert queue(world, "all", organization_id=world.org_c.pk) == ["No contract S2"]
    privilege = SupportTier.objects.get(slug="privilege")
    assert queue(world, "all", tier_id=privilege.pk) == ["Breached S1", "Warning S1", "Mine S2"]
    assert queue(world, "unassigned", severity="S1") == ["Breached S1", "Warning S1"]
    assert queue(world, "breached", organization_id=personas.org_b.pk) == []


def test_priority_breaks_a_tie_between_equal_deadlines(world, personas):
    services.ticket_set_priority(world.agent, ticket=world.theirs, priority="urgent")
    Ticket.objects.filter(pk__in=[world.mine.pk, world.theirs.pk]).update(
        sla_due_at=world.at + dt.timedelta(hours=5)
    )
    titles = [t for t in queue(world, "all") if t in ("Mine S2", "Other agent's S3")]
    assert titles == ["Other agent's S3", "Mine S2"]


def test_all_counts_come_from_one_query(world, personas):
    tiers = list(SupportTier.objects.order_by("rank"))
    view = saved_views.saved_view_create(world.agent, name="S1s", query="severity=S1")
    views = [(view, queues.parse_filters({"severity": "S1"}))]
    with CaptureQueriesContext(connection) as captured:
        counts = queues.queue_counts(
            user=world.agent,
            filters=queues.QueueFilters(),
            tiers=tiers,
            views=views,
            at=world.at,
        )
    assert len(captured.captured_queries) == 1
    assert counts.queues == {
        "all": 7,
        "unassigned": 5,
        "mine": 1,
        "team": 0,
        "warning": 1,
        "breached": 1,
        "waiting": 1,
        "escalated": 1,
        "no_contract": 1,
    }
    assert counts.severities == {"S1": 2, "S2": 4, "S3": 1}
    by_slug = {tier.slug: counts.tiers[tier.pk] for tier in tiers}
    assert by_slug == {"base": 0, "standard": 3, "privilege": 3, "24x7": 0}
    assert counts.views == {view.pk: 2}


def test_counts_follow_the_current_filters(world, personas):
    counts = queues.queue_counts(
        user=world.agent,
        filters=queues.QueueFilters(queue="unassigned", organization_id=personas.org_b.pk),
        tiers=[],
        views=[],
        at=world.at,
    )
    assert counts.queues["all"] == 3
    assert counts.queues["unassigned"] == 2
    assert counts.severities == {"S1": 0, "S2": 2, "S3": 0}


def test_unknown_filter_values_fall_back_to_the_unfiltered_queue():
    filters = queues.parse_filters(
        {"queue": "nonsense", "organization": "x1", "tier": "", "severity": "S9"}
    )
    assert filters == queues.QueueFilters()
    kept = queues.parse_filters({"queue": "breached", "organization": "7", "severity": "S1"})
    assert kept.querystring() == "queue=breached&organization=7&severity=S1"


def test_take_next_candidates_skip_assigned_and_waiting_tickets(world):
    titles = refs(queues.take_next_candidates(at=world.at))
    assert titles[0] == "Breached S1"
    assert "Mine S2" not in titles
    assert "Waiting S2" not in titles


def test_staff_picker_offers_staff_only(world, personas):
    found = pickers.staff_search(text="")
    assert personas.agent in found
    assert personas.admin_a not in found
    assert pickers.staff_search(text="otto") == [world.other]


def test_pickers_are_capped(db):
    for n in range(pickers.PICKER_LIMIT + 5):
        factories.StaffFactory(full_name=f"Agent {n:02d}")
    assert len(pickers.staff_search(text="agent")) == pickers.PICKER_LIMIT


def test_contact_search_finds_by_name_email_organisation_and_licence_key(world, personas):
    assert pickers.contact_search(text="arthur") == [personas.user_a]
    assert personas.admin_b in pickers.contact_search(text=personas.admin_b.email[:8])
    assert pickers.contact_search(text="INIT") == [world.carol]
    assert pickers.contact_search(text="initech") == [world.carol]
    by_key = pickers.contact_search(text="key-glbx")
    assert by_key == [personas.admin_b]
    assert personas.agent not in pickers.contact_search(text="Agnes")


def test_saved_views_belong_to_their_owner(world, personas):
    view = saved_views.saved_view_create(world.agent, name="Mine", query="queue=mine")
    assert saved_views.saved_views_of(user=world.agent) == [view]
    assert saved_views.saved_views_of(user=world.other) == []
    with pytest.raises(Exception, match="No such saved view"):
        saved_views.saved_view_get(user=world.other, view_id=view.pk)
    assert SavedView.objects.count() == 1


def test_a_change_marks_the_counts_stale_at_once_and_again_at_commit(
    django_capture_on_commit_callbacks,
):
    from django.core.cache import cache

    before = cache.get(live.REVISION_KEY)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        live.open_tickets_changed()
        during = cache.get(live.REVISION_KEY)  # this transaction's own next count
        live.open_tickets_changed()  # a second change in the same transaction
    assert len(callbacks) == 1
    after = cache.get(live.REVISION_KEY)  # what was counted meanwhile elsewhere
    assert len({before, during, after}) == 3
    assert during != cache.get(live.REVISION_KEY)


def test_a_cache_outage_does_not_fail_a_ticket_change(world, settings, personas, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
        }
    }
    ticket = Ticket.objects.filter(assignee=None).first()
    services.ticket_assign(personas.agent, ticket=ticket, assignee=personas.agent)
    assert Ticket.objects.get(pk=ticket.pk).assignee == personas.agent
    assert "live figures could not be marked stale" in caplog.text
