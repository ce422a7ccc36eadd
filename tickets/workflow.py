"""The support workflow as a small state machine: which action leads from which status
to which, who may take it, and what it does to the SLA clocks.

    new → acknowledged → in progress ⇄ waiting on customer → workaround provided
        → resolved (awaiting the customer's confirmation) → closed
    reopen from resolved, and from closed within settings.TICKET_REOPEN_WINDOW_DAYS
    (the service checks the window: it depends on when the ticket was closed).

The services in :mod:`tickets.services` apply the effects; this module only decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from tickets.models import Status
from tickets.wording import status_name

STAFF = "staff"
CUSTOMER = "customer"
SYSTEM = "system"

S = Status


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    who: frozenset[str]
    clocks: str  # what it does to the SLA clocks, in words (shown in the docs and tests)
    # The words for the customer the step needs: the form field and its label.
    text_field: str = ""
    text_label: str = ""


def _t(action, label, sources, target, who, clocks, text=("", "")) -> Transition:
    return Transition(action, label, frozenset(sources), target, frozenset(who), clocks, *text)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t(
            "acknowledge",
            _("Acknowledge"),
            [S.NEW],
            S.ACKNOWLEDGED,
            [STAFF],
            "meets the triage target",
        ),
        _t(
            "start_progress",
            _("Start work"),
            [S.NEW, S.ACKNOWLEDGED, S.WORKAROUND_PROVIDED],
            S.IN_PROGRESS,
            [STAFF],
            "meets the triage target when still new",
        ),
        _t(
            "wait_on_customer",
            _("Wait for the customer"),
            [S.ACKNOWLEDGED, S.IN_PROGRESS, S.WORKAROUND_PROVIDED],
            S.WAITING_ON_CUSTOMER,
            [STAFF],
            "pauses every running clock",
        ),
        _t(
            "resume",
            _("Resume work"),
            [S.WAITING_ON_CUSTOMER],
            S.IN_PROGRESS,
            [STAFF, CUSTOMER],
            "resumes the clocks; deadlines move by the paused open time",
        ),
        _t(
            "provide_workaround",
            _("Provide a workaround"),
            [S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER],
            S.WORKAROUND_PROVIDED,
            [STAFF],
            "meets the workaround target and lowers the severity one step",
            ("workaround", _("Workaround for the customer")),
        ),
        _t(
            "resolve",
            _("Resolve"),
            [S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.WORKAROUND_PROVIDED],
            S.RESOLVED,
            [STAFF],
            "meets the resolution target; stops the update cadences; ends an escalation request",
            ("resolution", _("Resolution (the customer is asked to confirm it)")),
        ),
        _t(
            "accept_workaround",
            _("Accept the workaround as the resolution"),
            [S.WORKAROUND_PROVIDED],
            S.CLOSED,
            [CUSTOMER],
            "meets the resolution target; closes the ticket",
        ),
        _t(
            "confirm_resolution",
            _("Confirm the resolution"),
            [S.RESOLVED],
            S.CLOSED,
            [CUSTOMER, STAFF, SYSTEM],
            "none: the clocks stopped at resolution",
        ),
        _t(
            "reopen",
            _("Reopen"),
            [S.RESOLVED, S.CLOSED],
            S.IN_PROGRESS,
            [CUSTOMER, STAFF],
            "restarts the resolution target and the update cadences",
            ("reason", _("What still needs work (posted on the ticket)")),
        ),
    ]
}

WHO = {STAFF: _("the support team"), CUSTOMER: _("the customer"), SYSTEM: _("the system")}


class TransitionError(Exception):
    """A forbidden transition: the message says why, for the person who tried it."""


def role_of(user) -> str:

    if user is None:
        return SYSTEM
    return STAFF if permissions.is_staff_member(user) else CUSTOMER


def check(action: str, *, status: str, role: str) -> Transition:
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionError(
            gettext("“%(action)s” is not a step of the support workflow.") % {"action": action}
        )
    if role not in transition.who:
        who = gettext(" or ").join(str(WHO[w]) for w in sorted(transition.who - {SYSTEM}))
        raise TransitionError(
            gettext("Only %(who)s can “%(step)s”.")
            % {"who": who, "step": str(transition.label).lower()}
        )
    if status not in transition.sources:
        current = status_name(status, for_staff=role != CUSTOMER).lower()
        raise TransitionError(
            gettext("A ticket that is %(status)s cannot be moved with “%(step)s”.")
            % {"status": current, "step": str(transition.label).lower()}
        )
    return transition


def available(*, status: str, role: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources and role in t.who]
