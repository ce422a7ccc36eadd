"""Demo links, a merged duplicate and a parent incident (tickets.links,
tickets.merging), played through the services today, so that each shows on its
tickets' pages. Idempotent: skipped once the parent incident exists."""

from __future__ import annotations

from accounts.models import Organization, User
from core.events import muted
from sla.selectors import contract_in_force
from tickets import intake, links, merging, services
from tickets.models import LinkKind, Ticket

PARENT_TITLE = "Ledgerline cloud: EU region unavailable"


def _log(agent: User, code: str, email: str, title: str, description: str, **fields) -> Ticket:
    organization = Organization.objects.get(code=code)
    contract = contract_in_force(organization=organization)
    return intake.ticket_create(
        agent,
        organization=organization,
        requester=User.objects.get(email=email),
        title=title,
        description=description,
        product_version=contract.covered_versions.first() if contract else None,
        channel="email",
        mismatch_confirmed=True,
        **fields,
    )


def seed(stdout) -> None:
    agent = User.objects.filter(email="alex.agent@vendor.example").first()
    if agent is None or Ticket._base_manager.filter(title=PARENT_TITLE).exists():
        return
    outage = {"severity": "S1", "business_impact": "Nobody can work in Ledgerline."}
    with muted():
        # A parent incident, with a child of Acme's and one of Globex's (staff only see
        # that they share it); its public reply is posted on both children.
        parent = _log(
            agent,
            "ACME",
            "anna.admin@acme.example",
            PARENT_TITLE,
            "Ledgerline cloud answers *503 Service unavailable* for every user in the EU.",
            **outage,
        )
        for code, email, title in (
            ("ACME", "bela.user@acme.example", "Cannot sign in to Ledgerline"),
            ("GLBX", "george.admin@globex.example", "Ledgerline web client times out"),
        ):
            child = _log(agent, code, email, title, "The login page never loads.", **outage)
            links.ticket_set_parent(agent, ticket=child, parent=parent)
        services.ticket_reply(
            agent,
            ticket=parent,
            body="Our hosting provider lost a storage cluster in the EU region. Service is "
            "being moved to the standby cluster; next update within the hour.",
        )

        # Two of Acme's tickets with one root cause, and one of Initech's like them
        # (a link across organisations: staff only).
        vat = _log(
            agent,
            "ACME",
            "clara.user@acme.example",
            "Invoice PDF shows totals rounded wrongly",
            "The PDF of invoice 2026/1187 shows 1,204.56 EUR; the ledger says 1,204.55.",
            severity="S2",
        )
        report = _log(
            agent,
            "ACME",
            "anna.admin@acme.example",
            "VAT report totals differ from the ledger by cents",
            "The quarterly VAT report is a few cents lower than the ledger balance.",
            severity="S2",
        )
        links.ticket_link_add(agent, ticket=vat, other=report, kind=LinkKind.SAME_CAUSE)
        rounding = _log(
            agent,
            "INIT",
            "ivan.admin@initech.example",
            "Rounding difference on exported invoices",
            "Exported invoices differ from the screen by one cent.",
            severity="S3",
        )
        links.ticket_link_add(agent, ticket=vat, other=rounding, kind=LinkKind.RELATED)

        # A duplicate report, merged into the ticket that was logged first.
        first = _log(
            agent,
            "ACME",
            "anna.admin@acme.example",
            "Invoice posting fails with error 500 after the upgrade",
            "Posting any draft invoice ends with *Internal error 500*.",
            severity="S2",
        )
        duplicate = _log(
            agent,
            "ACME",
            "bela.user@acme.example",
            "Invoices will not post",
            "I press *Post* and get an error page.",
            severity="S2",
        )
        services.ticket_reply(agent, ticket=duplicate, body="Thank you: we are looking at it.")
        merging.ticket_merge(agent, source=duplicate, target=first)
    stdout.write(f"    {PARENT_TITLE} ({parent.reference}), its children and the links")
