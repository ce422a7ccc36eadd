"""The demo's data, seeded once for the class (a seed takes about 15 seconds): each
test reads it in a transaction of its own, rolled back after it."""

import io

from django.apps import apps
from django.core.management import call_command
from django.test import TestCase, override_settings


def _counts():
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class TestTheDemo(TestCase):
    out: str
    counts: dict[str, int]

    @classmethod
    def setUpTestData(cls):
        printed = io.StringIO()
        call_command("seed_demo", stdout=printed)
        cls.out = printed.getvalue()
        cls.counts = _counts()

    def test_seed_demo_is_idempotent_and_prints_the_sign_ins(self):
        call_command("seed_demo", stdout=io.StringIO())
        assert _counts() == self.counts
        assert "anna.admin@acme.example" in self.out and "demo-pass-2026" in self.out

    def test_demo_tells_a_story_with_tickets_in_every_state_over_months(self):
        import datetime as dt

        from django.utils import timezone

        from sla.models import ClockState, SLAClock
        from tickets.models import EscalationRequest, Status, Ticket

        assert "ACME: 46/46 tickets" in self.out  # progress is shown
        statuses = set(Ticket._base_manager.values_list("status", flat=True))
        assert statuses == set(Status.values)
        oldest = Ticket._base_manager.order_by("created_at").first().created_at
        assert timezone.now() - oldest > dt.timedelta(days=100)
        states = set(SLAClock._base_manager.values_list("state", flat=True))
        assert {ClockState.MET, ClockState.BREACHED, ClockState.RUNNING} <= states
        # Wayne Retail's contract lapsed months ago: what it logged since is flagged.
        wayne = Ticket._base_manager.filter(organization__code="WAYN")
        assert wayne.filter(has_valid_contract=False).exists()
        # Resolving ends a request still awaiting review; an accepted plan has a cadence.
        escalations = EscalationRequest._base_manager
        done = [Status.RESOLVED, Status.CLOSED]
        assert not escalations.filter(status="pending", ticket__status__in=done).exists()
        assert escalations.filter(status="accepted").exists()
        assert not escalations.filter(status="accepted", cadence_amount=None).exists()

    def test_demo_has_an_internal_note_that_mentions_a_colleague(self):
        from tickets.mentions import mentions_in
        from tickets.models import Reply

        note = Reply._base_manager.filter(is_internal=True, body__contains="@").first()
        assert note is not None
        assert [str(p) for p in mentions_in(note.body).people] == ["Sofia Varga"]

    def test_demo_has_canned_responses_that_set_fields(self):
        from tickets.models import CannedResponse

        assert CannedResponse.objects.filter(title="Thank you", status="").exists()
        logs = CannedResponse.objects.get(title="Ask for the logs")
        assert (logs.status, logs.priority, logs.assign) == ("waiting_on_customer", "high", "me")

    def test_demo_has_one_organisation_per_tier_and_a_lapsed_contract(self):
        from accounts.models import Organization
        from sla.models import Contract
        from sla.selectors import has_valid_contract

        tiers = set(Contract._base_manager.values_list("tier__slug", flat=True))
        assert tiers == {"base", "standard", "privilege", "24x7"}
        valid = {o.code: has_valid_contract(organization=o) for o in Organization.objects.all()}
        assert valid == {"ACME": True, "GLBX": True, "INIT": True, "UMBR": True, "WAYN": False}

    def test_demo_has_an_organisation_that_reads_hungarian_beside_english_screenshots(self):
        from accounts.models import Organization, User

        out = self.out

        assert Organization.objects.get(code="ACME").default_language == "hu"
        assert User.objects.get(email="bela.user@acme.example").language == ""
        # The README's screenshots are taken as Anna: she chose English.
        assert User.objects.get(email="anna.admin@acme.example").language == "en"
        assert "bela.user@acme.example  (sees Hungarian)" in out
        assert "anna.admin@acme.example  (sees Hungarian)" not in out

    def test_the_demo_seeds_answers_on_done_tickets_by_their_requesters(self):
        # A second seeding adds none: test_seed_demo_is_idempotent counts every table.
        from surveys.models import SatisfactionSurvey
        from tickets.models import Status

        assert "survey answers" in self.out
        answers = SatisfactionSurvey.objects.select_related("ticket")
        assert {a.rating for a in answers} == {"good", "bad"}
        assert any(a.comment for a in answers)
        for answer in answers:
            assert answer.ticket.status in (Status.RESOLVED, Status.CLOSED)
            assert answer.respondent_id == answer.ticket.requester_id
            assert answer.organization_id == answer.ticket.organization_id
            assert answer.answered_at >= answer.ticket.resolved_at

    def test_demo_has_linked_tickets_a_merged_duplicate_and_a_parent_incident(self):
        from tickets.demo_links import PARENT_TITLE
        from tickets.models import Reply, Status, Ticket, TicketLink

        parent = Ticket._base_manager.get(title=PARENT_TITLE)
        children = Ticket._base_manager.filter(parent=parent)
        assert {c.organization.code for c in children} == {"ACME", "GLBX"}
        # The parent's public reply reached each child.
        assert (
            Reply._base_manager.filter(ticket__in=children, copied_from__isnull=False).count() == 2
        )
        links = TicketLink._base_manager.all()
        assert {link.kind for link in links} == {"same_cause", "related"}
        assert any(link.crosses_organizations for link in links)
        merged = Ticket._base_manager.get(merged_into__isnull=False)
        assert merged.status == Status.CLOSED and merged.merged_into.is_open
