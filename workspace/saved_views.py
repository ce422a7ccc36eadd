"""An agent's saved views: a queue and its filters under a name of their own."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User
from accounts.scoping import service
from tickets.models import SavedView

SAVED_VIEW_LIMIT = 20


def saved_views_of(*, user: User) -> list[SavedView]:
    return list(SavedView.objects.filter(owner=user).order_by("name")[:SAVED_VIEW_LIMIT])


def saved_view_get(*, user: User, view_id: int) -> SavedView:
    """The agent's own view; another agent's is a 404, like a missing one."""
    view = SavedView.objects.filter(owner=user, pk=view_id).first()
    if view is None:
        raise Http404("No such saved view.")
    return view


@service
def saved_view_create(actor: User, *, name: str, query: str) -> SavedView:
    if not permissions.can_work_tickets(actor):
        raise PermissionDenied(_("Only support staff save queue views."))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the view.")})
    if SavedView.objects.filter(owner=actor).count() >= SAVED_VIEW_LIMIT:
        raise ValidationError(
            _("You have %(limit)s saved views already: delete one first.")
            % {"limit": SAVED_VIEW_LIMIT}
        )
    try:
        with transaction.atomic():
            return SavedView.objects.create(owner=actor, name=name, query=query)
    except IntegrityError:
        raise ValidationError(
            {"name": _("You already have a view called “%(name)s”.") % {"name": name}}
        ) from None


@service
def saved_view_delete(actor: User, *, view: SavedView) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied(_("Agents delete their own views only."))
    view.delete()
