"""How services meet tenancy (django-scopes).

A customer's request runs in their organisation's scope (accounts.middleware); a staff
request, a task or email-in runs in none. A service runs alike from all of them: it
acts in the organisation of the object it is given, and says which with ``tenant``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.db import transaction
from django_scopes import scope, scopes_disabled

from accounts.models import Organization

F = TypeVar("F", bound=Callable[..., Any])


def organization_id_of(obj: Any) -> int | None:
    """The organisation a tenant's object belongs to (an organisation is its own)."""
    return obj.pk if isinstance(obj, Organization) else obj.organization_id


def service(func: F | None = None, *, tenant: str | None = None, across: str = "") -> Any:
    """A write service: one transaction.

    ``tenant`` names the keyword argument (a ticket, an escalation, a membership, an
    organisation…) whose organisation the service acts in: it runs in that
    organisation's scope whoever calls it, so every query on a tenant's model stays
    within it. ``across`` instead says why a service works across organisations (a
    task of the SLA sweep, the administrators' retry of failed emails): it runs with
    the scopes disabled. A service with neither touches no tenant's rows (a person's
    own profile, the staff's canned responses).
    """
    assert not (tenant and across), "a service acts in one organisation or across them"

    def decorate(func: F) -> F:
        @wraps(func)
        def wrapped(*args, **kwargs):
            if across:
                with scopes_disabled(), transaction.atomic():  # the reason is `across`
                    return func(*args, **kwargs)
            if tenant is None:
                with transaction.atomic():
                    return func(*args, **kwargs)
            with scope(organization=organization_id_of(kwargs[tenant])), transaction.atomic():
                return func(*args, **kwargs)

        return wrapped  # type: ignore[return-value]  # the same signature as func

    return decorate(func) if func is not None else decorate
