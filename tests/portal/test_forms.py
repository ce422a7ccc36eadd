"""The long selects (the portal filter's requesters, the profile's time zones) are written in
Python, as Django would write them."""

import pytest
from django import forms

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
