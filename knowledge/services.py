"""Writes of the knowledge base and release notes.

Staff write articles and notes in the Django admin; publishing a release note goes
through :func:`release_note_publish`, which tells the customers' administrators.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User
from core import events
from knowledge.models import ReleaseNote


@transaction.atomic
def release_note_publish(actor: User, *, release_note: ReleaseNote) -> ReleaseNote:
    """Publish a note: customers see it in the portal and their administrators get it by
    email (after commit). Publishing an already published note changes nothing and
    mails no one again."""
    if not permissions.is_staff_member(actor):
        raise PermissionDenied(_("Only the support team publishes release notes."))
    # Locked so that two publishers at once send the email once.
    note = ReleaseNote.objects.select_for_update().get(pk=release_note.pk)
    if note.published_at is not None:
        return note
    note.published_at = timezone.now()
    note.published_by = actor
    note.save(update_fields=["published_at", "published_by", "updated_at"])
    events.emit("release_note_published", release_note=note)
    return note
