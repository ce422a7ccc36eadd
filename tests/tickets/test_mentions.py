"""``@name`` in an internal note: which handles a note names, and which colleagues they
are (staff only, each once, never the author; unknown and ambiguous names named back)."""

import pytest

from tests import factories
from tickets.mentions import handles_in, mentions_in

pytestmark = pytest.mark.django_db


def test_handles_are_read_lower_cased_once_each_without_a_sentence_full_stop():
    body = "Ask @Agnes and @mona.manager. Then @agnes again; mail bob@example.com (@Zoe)"
    assert handles_in(body) == ["agnes", "mona.manager", "zoe"]


def test_an_email_address_is_not_a_mention():
    assert handles_in("Write to support@vendor.example or x.@y") == []


def test_a_colleague_is_matched_by_email_local_part_or_full_name_without_spaces():
    agnes = factories.StaffFactory(full_name="Agnes Kovács", email="agnes@vendor.example")
    tom = factories.StaffFactory(full_name="Tom Tailor", email="tt@vendor.example")
    found = mentions_in("@AGNES and @TomTailor please look")
    assert found.people == [agnes, tom]
    assert found.not_found == []


def test_unknown_and_ambiguous_handles_notify_nobody_and_are_named_back():
    factories.StaffFactory(full_name="Anna One", email="anna@vendor.example")
    factories.StaffFactory(full_name="Anna", email="anna.two@vendor.example")
    found = mentions_in("@anna @nobody")
    assert found.people == []
    assert found.unknown == ["nobody"]
    assert found.ambiguous == ["anna"]
    assert found.not_found == ["nobody", "anna"]


def test_a_customer_is_never_mentioned_even_when_the_name_matches(personas):
    factories.customer(personas.org_a, full_name="Carla Customer", email="carla@acme.example")
    found = mentions_in("@carla @CarlaCustomer")
    assert found.people == []
    assert found.unknown == ["carla", "carlacustomer"]


def test_an_inactive_colleague_is_not_mentioned():
    factories.StaffFactory(full_name="Gone Away", email="gone@vendor.example", is_active=False)
    assert mentions_in("@gone").unknown == ["gone"]


def test_the_author_and_duplicates_are_left_out(personas):
    agnes = personas.agent
    handle = agnes.email.partition("@")[0]
    found = mentions_in(f"@{handle} @AgnesAgent @{handle} @MonaManager", author=personas.manager)
    assert found.people == [agnes]
    found = mentions_in(f"@{handle} thinks so", author=agnes)
    assert found.people == [] and found.not_found == []
