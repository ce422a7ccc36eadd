"""The sign-in backend loads a customer's membership and organisation with the user."""

import pytest

from accounts.backends import UserBackend
from accounts.permissions import organization_of

pytestmark = pytest.mark.django_db


def test_a_customer_comes_with_their_organisation_in_one_query(personas, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = UserBackend().get_user(personas.admin_a.pk)
        assert organization_of(user) == personas.org_a


def test_staff_have_no_organisation(personas, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = UserBackend().get_user(personas.agent.pk)
        assert user == personas.agent
        assert organization_of(user) is None


def test_an_inactive_or_unknown_user_is_nobody(personas):
    personas.user_a.is_active = False
    personas.user_a.save()
    assert UserBackend().get_user(personas.user_a.pk) is None
    assert UserBackend().get_user(10**9) is None


def test_a_signed_in_customer_request_reads_the_user_once(client, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas.user_a)
    with CaptureQueriesContext(connection) as captured:
        client.get("/portal/tickets/")
    reads = [q["sql"] for q in captured.captured_queries if '"accounts_membership"' in q["sql"]]
    assert len(reads) == 1 and '"accounts_user"' in reads[0]
