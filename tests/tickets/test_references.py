"""Reference numbers under concurrent creation: unique, never failing, without holes.

These tests commit for real (transaction=True) so that parallel threads, each on its
own database connection, see each other's work as production web processes would.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from accounts.models import User
from tickets import intake
from tickets.models import Ticket, TicketCounter

pytestmark = pytest.mark.django_db(transaction=True)

PER_ORGANIZATION = 100
THREADS = 8


def _create(requester_id: int, title: str, intake_key: str = "") -> Ticket:
    requester = User.objects.select_related("membership__organization").get(pk=requester_id)
    return intake.ticket_create(
        requester,
        organization=requester.membership.organization,
        requester=requester,
        title=title,
        description="Created concurrently.",
        severity="S3",
        intake_key=intake_key,
    )


def _in_threads(jobs, run) -> tuple[list, list[str]]:
    """Run ``run(job)`` for each job on a pool of threads, each with its own connection."""
    lock = threading.Lock()
    created, errors = [], []
    chunks = [jobs[i::THREADS] for i in range(THREADS)]
    start = threading.Barrier(THREADS)

    def worker(chunk):
        try:
            start.wait()  # all threads begin together, to collide as much as possible
            for job in chunk:
                try:
                    result = run(job)
                except Exception as exc:  # a failed creation is what this test looks for
                    with lock:
                        errors.append(repr(exc))
                else:
                    with lock:
                        created.append(result)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, chunks))
    return created, errors


def test_parallel_creation_numbers_each_organisation_from_one_without_gaps_or_duplicates(
    personas, contracts
):
    requesters = [personas.admin_a.pk, personas.user_a.pk, personas.admin_b.pk]
    organization_of = {
        personas.admin_a.pk: personas.org_a.pk,
        personas.user_a.pk: personas.org_a.pk,
        personas.admin_b.pk: personas.org_b.pk,
    }
    # ACME's two contacts share its sequence; GLBX gets as many tickets as ACME.
    jobs = [(requesters[i % 2], f"ACME {i}") for i in range(PER_ORGANIZATION)] + [
        (personas.admin_b.pk, f"GLBX {i}") for i in range(PER_ORGANIZATION)
    ]
    jobs.sort(key=lambda job: job[1].split()[1])  # interleave the two organisations

    created, errors = _in_threads(jobs, lambda job: _create(*job))

    assert errors == []
    assert len(created) == 2 * PER_ORGANIZATION
    for organization, code in ((personas.org_a, "ACME"), (personas.org_b, "GLBX")):
        numbers = sorted(
            Ticket.objects.filter(organization=organization).values_list("number", flat=True)
        )
        assert numbers == list(range(1, PER_ORGANIZATION + 1))
        references = set(
            Ticket.objects.filter(organization=organization).values_list("reference", flat=True)
        )
        assert references == {f"{code}-{n}" for n in range(1, PER_ORGANIZATION + 1)}
        assert TicketCounter.objects.get(organization=organization).last_number == PER_ORGANIZATION
    assert {organization_of[t.requester_id] for t in created} == {
        personas.org_a.pk,
        personas.org_b.pk,
    }


def test_the_same_form_submitted_in_parallel_creates_one_ticket(personas, contracts):
    jobs = [(personas.admin_a.pk, "Printer on fire", "one-form-key")] * THREADS
    created, errors = _in_threads(jobs, lambda job: _create(*job))

    assert errors == []
    assert {ticket.pk for ticket in created} == {Ticket.objects.get().pk}
    assert Ticket.objects.get().reference == "ACME-1"
    assert TicketCounter.objects.get(organization=personas.org_a).last_number == 1


@pytest.mark.django_db
def test_the_same_intake_key_twice_returns_the_first_ticket_and_leaves_no_hole(personas, contracts):
    first = _create(personas.admin_a.pk, "Printer on fire", "form-1")
    again = _create(personas.admin_a.pk, "Printer on fire", "form-1")
    following = _create(personas.admin_a.pk, "Scanner on fire", "form-2")

    assert again.pk == first.pk
    assert Ticket.objects.filter(organization=personas.org_a).count() == 2
    assert [first.reference, following.reference] == ["ACME-1", "ACME-2"]


@pytest.mark.django_db
def test_intake_keys_are_per_organisation(personas, contracts):
    acme = _create(personas.admin_a.pk, "Printer on fire", "shared-key")
    globex = _create(personas.admin_b.pk, "Printer on fire", "shared-key")
    assert acme.pk != globex.pk
    assert (acme.reference, globex.reference) == ("ACME-1", "GLBX-1")


@pytest.mark.django_db
def test_a_refused_creation_gives_its_number_back(personas, contracts):
    from django.core.exceptions import ValidationError

    from tests import factories

    stranger = factories.customer(personas.org_b)
    with pytest.raises(ValidationError):
        intake.ticket_create(
            personas.admin_a,
            organization=personas.org_a,
            requester=personas.admin_a,
            title="Copy a stranger",
            description="Watchers must be colleagues.",
            severity="S3",
            watchers=[stranger],
        )
    assert _create(personas.admin_a.pk, "Next one").reference == "ACME-1"
