"""Reads of the SLA domain."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import Organization
from sla.models import Contract, SLAPolicy, SLATarget


def contract_in_force(*, organization: Organization, on: dt.date | None = None) -> Contract | None:
    """The organisation's contract valid on ``on`` (today by default): one query.

    Used at ticket intake. Contracts never overlap, so there is at most one.
    """
    day = on or timezone.localdate()
    # Scoped to the organisation explicitly: intake runs for staff and email-in too.
    return (
        Contract._base_manager.filter(
            organization=organization, valid_from__lte=day, valid_to__gte=day
        )
        .select_related("tier")
        .first()
    )


def has_valid_contract(*, organization: Organization, on: dt.date | None = None) -> bool:
    return contract_in_force(organization=organization, on=on) is not None


def policies_for_tier(*, tier_id: int) -> list[SLAPolicy]:
    """The tier's policies with their targets and calendars, for the contract page."""
    return list(
        SLAPolicy.objects.filter(tier_id=tier_id)
        .order_by("severity")
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=SLATarget.objects.select_related("calendar", "only_outside"),
            )
        )
    )
