"""Which index of the ticket table each page's plans use.

Every page of a catalogue (each queue and filter of the workspace, the portal's lists and
filters, the ticket page, search, the dashboard with its organisation page and report,
ticket creation) is requested in process as the person who uses it; each statement it
makes is explained (``EXPLAIN (FORMAT JSON)``, not run), and the indexes named in the
plans are collected. An index of ``tickets_ticket`` that no plan names costs every
insert and update and buys nothing: the report lists it, beside the pages that use each
of the others. Constraints (the primary key, the unique reference, the number per
organisation, the intake key) are kept whatever the plans say: they keep data right.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

TABLE = "tickets_ticket"


@dataclass
class Visit:
    label: str
    role: str  # agent, manager, customer or user (a plain customer user)
    url: str
    method: str = "GET"
    data: Callable[[], dict] | None = None


def _plan_indexes(node: dict, found: set[tuple[str, str]]) -> None:
    if "Index Name" in node:
        found.add((node.get("Relation Name", ""), node["Index Name"]))
    for child in node.get("Plans", []):
        _plan_indexes(child, found)


def indexes_of(statements: list[str]) -> set[tuple[str, str]]:
    """(table, index) of every index the statements' plans use (a bitmap index scan
    names no table: it is looked up)."""
    from django.db import connection, transaction

    found: set[tuple[str, str]] = set()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            # A UNION of sliced parts begins with its first part's parenthesis.
            if not sql.lstrip(" (").upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            _plan_indexes(plan[0]["Plan"], found)
        cursor.execute("SELECT indexname, tablename FROM pg_indexes WHERE schemaname = 'public'")
        table_of = dict(cursor.fetchall())
        transaction.set_rollback(True)
    return {(table or table_of.get(index, ""), index) for table, index in found}


def table_indexes(table: str = TABLE) -> dict[str, dict]:
    """The table's indexes: definition, size, and whether a constraint needs it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef, pg_relation_size(c.oid), "
            "EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid) OR ix.indisunique "
            "FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
            "JOIN pg_index ix ON ix.indexrelid = c.oid "
            "WHERE i.schemaname = 'public' AND i.tablename = %s ORDER BY i.indexname",
            [table],
        )
        return {
            name: {"definition": definition, "mb": round(size / 2**20, 1), "constraint": unique}
            for name, definition, size, unique in cursor.fetchall()
        }


def catalogue(fx, reverse_first) -> list[Visit]:
    """The pages whose plans decide which indexes earn their keep."""
    from django.utils import timezone

    from workspace.queues import QUEUES

    today = timezone.localdate()
    period = f"period=custom&start={today - dt.timedelta(days=89)}&end={today}"
    month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    visits = [
        Visit(f"queue: {slug}", "agent", f"{reverse_first(['workspace'])}?queue={slug}")
        for slug in QUEUES
    ]
    visits += [
        Visit(
            "queue: all, severity S1, page 3",
            "agent",
            f"{reverse_first(['workspace'])}?severity=S1&page=3",
        ),
        Visit("take next", "taker", reverse_first(["workspace_take_next"]) or "", "POST"),
        Visit("ticket list (staff)", "agent", reverse_first(["ticket_list"]) or ""),
        Visit(
            "ticket page",
            "agent",
            reverse_first(["ticket_detail"], {"reference": fx.ticket_20}) or "",
        ),
        Visit("search: error code", "agent", f"{reverse_first(['workspace_search'])}?q=E1042"),
        Visit(
            "search: two words",
            "agent",
            f"{reverse_first(['workspace_search'])}?q=payroll+duplicate",
        ),
        Visit("portal home", "customer", reverse_first(["portal_home"]) or ""),
        Visit("portal list", "customer", reverse_first(["portal_ticket_list"]) or ""),
        Visit(
            "portal list: open",
            "customer",
            f"{reverse_first(['portal_ticket_list'])}?status=open",
        ),
        Visit(
            "portal list: waiting on customer",
            "customer",
            f"{reverse_first(['portal_ticket_list'])}?status=waiting_on_customer",
        ),
        Visit(
            "portal list: resolved",
            "customer",
            f"{reverse_first(['portal_ticket_list'])}?status=resolved",
        ),
        Visit("portal list: a plain user's", "user", reverse_first(["portal_ticket_list"]) or ""),
        Visit("ticket list (customer)", "customer", reverse_first(["ticket_list"]) or ""),
        Visit("contacts", "customer", reverse_first(["contact_list"]) or ""),
        Visit("portal search", "customer", f"{reverse_first(['portal_ticket_list'])}?q=payroll"),
        Visit("contract page", "customer", reverse_first(["contract_detail"]) or ""),
        Visit("dashboard, 90 days", "manager", f"{reverse_first(['dashboard'])}?{period}"),
        Visit("dashboard, now", "manager", reverse_first(["dashboard_now"]) or ""),
        Visit(
            "dashboard: organisation",
            "manager",
            reverse_first(["dashboard_organization"], {"code": fx.largest}) or "",
        ),
        Visit(
            "dashboard: monthly report",
            "manager",
            (
                reverse_first(
                    ["dashboard_report"],
                    {"code": fx.largest, "year": month[:4], "month": month[5:]},
                )
                or ""
            ),
        ),
    ]
    return [visit for visit in visits if visit.url and not visit.url.startswith("None")]


def plain_user(fx):
    """The largest organisation's plain user with the fewest tickets of their own: the
    list whose plan must not read the organisation's every ticket to find a page."""
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from accounts.models import User

    with scopes_disabled():
        return (
            User.objects.filter(membership__organization__code=fx.largest, membership__role="user")
            .annotate(own=Count("requested_tickets"))
            .filter(own__gt=0)
            .order_by("own", "pk")
            .first()
        )


# Indexes that no page's plan uses but a background job's does (EXPLAIN shows it): an
# index "unused by every page" is dropped only if it is not here.
NOT_A_PAGE = {
    "ticket_created_idx": "not a page: the dashboard's daily summaries (tickets logged "
    "since the day began, in a BitmapOr with the open ones)",
}


def audit(clients: dict, fx, reverse_first, creation: Callable[[], dict] | None) -> dict:
    """Visit the catalogue and map each index of the ticket table to the pages using it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    visits = catalogue(fx, reverse_first)
    create_url = reverse_first(["portal_ticket_create", "ticket_create"])
    if creation is not None and create_url:
        visits.append(Visit("ticket creation", "customer", create_url, "POST", creation))
    used: dict[str, list[str]] = {}
    failures = []
    for visit in visits:
        client = clients[visit.role]
        with CaptureQueriesContext(connection) as captured:
            if visit.method == "POST":
                response = client.post(visit.url, visit.data() if visit.data else {"mode": "any"})
            else:
                response = client.get(visit.url)
        if response.status_code >= 400:
            failures.append(f"{visit.label}: HTTP {response.status_code}")
            continue
        for table, index in indexes_of([q["sql"] for q in captured.captured_queries]):
            if table == TABLE:
                used.setdefault(index, []).append(visit.label)
    indexes = table_indexes()
    for name, about in indexes.items():
        about["used_by"] = used.get(name, [])
    unused = [
        name
        for name, about in indexes.items()
        if not about["used_by"] and not about["constraint"] and name not in NOT_A_PAGE
    ]
    return {"indexes": indexes, "unused": unused, "failures": failures, "pages": len(visits)}


def report(result: dict) -> str:
    lines = [f"Indexes of {TABLE} and the pages whose plans use them ({result['pages']} pages):"]
    for name, about in result["indexes"].items():
        users = ", ".join(dict.fromkeys(about["used_by"])) or (
            "a constraint" if about["constraint"] else NOT_A_PAGE.get(name, "NO PLAN")
        )
        lines.append(f"  {name:<45} {about['mb']:>7.1f} MB  {users}")
    if result["unused"]:
        lines.append(f"Unused by every page: {', '.join(result['unused'])}")
    for failure in result["failures"]:
        lines.append(f"  not audited: {failure}")
    return "\n".join(lines)
