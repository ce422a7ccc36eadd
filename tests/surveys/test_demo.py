import pytest
from django.core.management import call_command

from surveys.models import SatisfactionSurvey
from tickets.models import Status

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_answers_on_done_tickets_by_their_requesters(capsys):
    call_command("seed_demo")
    assert "survey answers" in capsys.readouterr().out
    answers = SatisfactionSurvey.objects.select_related("ticket")
    assert {a.rating for a in answers} == {"good", "bad"}
    assert any(a.comment for a in answers)
    for answer in answers:
        assert answer.ticket.status in (Status.RESOLVED, Status.CLOSED)
        assert answer.respondent_id == answer.ticket.requester_id
        assert answer.organization_id == answer.ticket.organization_id
        assert answer.answered_at >= answer.ticket.resolved_at
    count = answers.count()
    call_command("seed_demo")
    assert SatisfactionSurvey.objects.count() == count
