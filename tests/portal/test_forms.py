"""The long selects (the portal filter's requesters, the ticket page's agents, the
profile's time zones) are written in Python, as Django would write them."""

import pytest
from django import forms

from accounts.models import User
from core.html import LongSelect

CHOICES = [
    ("", "Anyone"),
    (1, "Ada <Admin>"),
    (2, 'Bea "the boss" O\'Brien & Co'),
    (3, "Cem"),
]


@pytest.mark.parametrize("value", [None, "", 2, "3"])
@pytest.mark.parametrize(
    "attrs", [{}, {"class": "form-select", "id": "id_requester", "disabled": True}]
)
def test_long_select_writes_what_djangos_select_writes(value, attrs):
    ours = LongSelect(attrs=attrs, choices=CHOICES).render("requester", value)
    django = forms.Select(attrs=attrs, choices=CHOICES).render("requester", value)
    assert ours == "".join(line.strip() for line in django.splitlines())
    assert "&lt;Admin&gt;" in ours and "O&#x27;Brien &amp; Co" in ours


@pytest.mark.django_db
@pytest.mark.parametrize("chosen", ["nobody", "user_a", "admin_a_as_text", "unknown"])
def test_long_select_of_people_writes_what_djangos_select_writes_in_one_query(
    personas, chosen, django_assert_num_queries
):
    value = {
        "nobody": None,
        "user_a": personas.user_a.pk,
        "admin_a_as_text": str(personas.admin_a.pk),
        "unknown": 987654,
    }[chosen]
    people = User.objects.order_by("email")
    ours = forms.ModelChoiceField(queryset=people, widget=LongSelect, empty_label="Anyone")
    theirs = forms.ModelChoiceField(queryset=people, empty_label="Anyone")
    with django_assert_num_queries(1):  # one plain query, no server-side cursor
        written = ours.widget.render("requester", value, attrs={"class": "form-select"})
    expected = theirs.widget.render("requester", value, attrs={"class": "form-select"})
    assert written == "".join(line.strip() for line in expected.splitlines())
    assert written.count("<option") == people.count() + 1
