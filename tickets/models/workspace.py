"""Agents' own tools: saved views of the queue and canned responses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _


class AssignChoice(models.TextChoices):
    ME = "me", _("The agent who sends it")
    AGENT = "agent", _("A named agent")


class SavedView(models.Model):
    """An agent's own filtered queue: a name for a queue and its filters.

    Belongs to a staff member, not to an organisation, so it has no scoped manager;
    every read goes through its owner (workspace.queues.saved_views_of).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=60)
    # The queue's query string as normalised by the queue filter form, e.g.
    # "queue=breached&severity=S1&organization=3".
    query = models.CharField(_("query"), max_length=300)
    created_at = models.DateTimeField(_("created"), default=now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_owner_name"),
        ]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self) -> str:
        return self.name


class CannedResponse(models.Model):
    """A staff-maintained reply template with placeholders such as {customer_name},
    {reference} and {deadline}, filled in per ticket (workspace.canned_responses)."""

    title = models.CharField(_("title"), max_length=120, unique=True)
    body = models.TextField(_("body"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_at = models.DateTimeField(_("updated"), default=now)
    # What sending it also changes (workspace.canned_responses.canned_response_send); blank
    # leaves a field as it is. The status is reached through the workflow's step to it.
    status = models.CharField(_("set status"), max_length=30, blank=True)
    priority = models.CharField(_("set priority"), max_length=10, blank=True)
    assign = models.CharField(_("assign"), max_length=10, blank=True, choices=AssignChoice.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")

    def __str__(self) -> str:
        return self.title
