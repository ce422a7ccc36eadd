"""Schemathesis generates requests from the API's own schema (a bounded number per
operation) and sends them, in process, with a customer's token and with an agent's:
no answer is a server error, and every answer matches what the schema says."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api import services

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 30
# The same examples on every run, so that the suite's verdict does not depend on the
# draw; FUZZ_EXPLORE=1 draws new ones (and Hypothesis prints how to reproduce a find).
EXPLORE = os.environ.get("FUZZ_EXPLORE") == "1"


@pytest.fixture(autouse=True)
def _requests_keep_the_tests_connection():
    """The app answers the generated requests inside the test's transaction: as Django's
    test client does, a request must not close the database connection when it ends."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(personas, make_ticket) -> dict[str, str]:
    """A read-and-write token of a customer administrator and of an agent, and tickets of
    both organisations for them to find."""
    make_ticket(requester=personas.admin_a)
    make_ticket(requester=personas.admin_b)
    return {
        role: services.api_token_create(user, name="fuzz", scope="write")[1]
        for role, user in (("customer", personas.admin_a), ("agent", personas.agent))
    }


# Read from the app itself when the tests are collected (the schema needs no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=not EXPLORE,
    # The database fixtures are set up once per operation, not per example, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_generated_request_gets_an_answer_the_schema_describes(case, tokens):
    for token in tokens.values():
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            # What one role may send, another may not (staff name the organisation and
            # the requester of a ticket they log, a customer may not): a request valid by
            # the schema may rightly get a 400 or a 403. Every other check stays.
            excluded_checks=[positive_data_acceptance],
        )
