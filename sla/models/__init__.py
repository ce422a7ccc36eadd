"""Support tiers, products, contracts, business calendars and SLA policies.

The deadline arithmetic itself is in :mod:`sla.engine` (pure functions, no ORM);
:meth:`BusinessCalendar.to_engine` turns a stored calendar into an engine calendar.
"""

from sla.models.calendars import (
    BusinessCalendar,
    CalendarDate,
    OpeningHours,
)
from sla.models.clocks import (
    ClockState,
    SLAClock,
    SLAClockQuerySet,
)
from sla.models.contracts import (
    Channel,
    Contract,
    ContractQuerySet,
    Product,
    ProductVersion,
    SupportTier,
)
from sla.models.policies import (
    POLICY_TARGET_KINDS,
    SEVERITY_HELP,
    Severity,
    SLAPolicy,
    SLATarget,
    TargetKind,
    TargetUnit,
    describe_cadence,
)

__all__ = [
    "Channel",
    "SupportTier",
    "Product",
    "ProductVersion",
    "ContractQuerySet",
    "Contract",
    "BusinessCalendar",
    "OpeningHours",
    "CalendarDate",
    "Severity",
    "SEVERITY_HELP",
    "TargetKind",
    "POLICY_TARGET_KINDS",
    "TargetUnit",
    "describe_cadence",
    "SLAPolicy",
    "SLATarget",
    "ClockState",
    "SLAClockQuerySet",
    "SLAClock",
]
