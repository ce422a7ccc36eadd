"""Links between tickets: related, same root cause, duplicate of (tickets.links)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Greatest, Least
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from accounts.models import Organization
from tickets.models.ticket import Ticket


class LinkKind(models.TextChoices):
    # Symmetric: read the same from either ticket.
    RELATED = "related", _("Related to")
    SAME_CAUSE = "same_cause", _("Same root cause as")
    # Directed: ``ticket`` is a duplicate of ``other``.
    DUPLICATE = "duplicate", _("Duplicate of")


def side_kind(kind: str, *, mine: bool) -> str:
    """How a link reads from one of its tickets: a duplicate's other side "has a
    duplicate"; the symmetric kinds read the same from both."""
    if kind == LinkKind.DUPLICATE and not mine:
        return "has_duplicate"
    return kind


class TicketLink(models.Model):
    """One link between two tickets, stored once: a pair of tickets has at most one
    link, whichever way it was made. Staff may link tickets of two organisations; such a
    link is never shown to a customer (tickets.selectors.links_for)."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="links_out", verbose_name=_("ticket")
    )
    other = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="links_in", verbose_name=_("linked ticket")
    )
    # The first ticket's organisation (the scope the link is read in) and the other's.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    other_organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("linked ticket's organisation"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("linked by"),
    )
    created_at = models.DateTimeField(_("created"), default=now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(ticket=models.F("other")), name="link_not_self"),
            # One link per pair, in either direction.
            models.UniqueConstraint(
                Least("ticket", "other"), Greatest("ticket", "other"), name="link_pair_unique"
            ),
        ]
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.other_id}"

    @property
    def crosses_organizations(self) -> bool:
        return self.organization_id != self.other_organization_id
