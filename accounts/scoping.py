"""The one scope escape that services share."""

from functools import wraps

from django.db import transaction
from django_scopes import scopes_disabled


def service(func):
    """A write service: one transaction, run outside any organisation scope.

    Services act on objects their caller loaded through a scoped selector and checked
    with accounts.permissions; every query they make starts from those objects, and
    they are called alike from customer views (scoped), staff views, tasks and email-in.
    """

    @wraps(func)
    def wrapped(*args, **kwargs):
        with scopes_disabled(), transaction.atomic():
            return func(*args, **kwargs)

    return wrapped
