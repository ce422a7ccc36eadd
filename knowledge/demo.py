"""Demo knowledge-base articles and release notes about the Ledgerline products.

Idempotent like every demo step: rows are looked up by slug and only created when
missing, so running the seed again changes nothing.
"""

import datetime as dt

from django.utils import timezone

from knowledge.models import Article, Category, ReleaseKind, ReleaseNote, Visibility
from sla.models import Product, SupportTier

CATEGORIES = [
    ("ledgerline-erp", "Ledgerline ERP", "Ledger, invoicing and month-end close.", 10),
    ("ledgerline-payroll", "Ledgerline Payroll", "Pay runs, payslips and tax tables.", 20),
    ("connect-api", "Connect API and integrations", "Web services, webhooks and imports.", 30),
]

# slug, category slug, title, summary, body, tier slugs (empty: public)
ARTICLES = [
    (
        "invoice-posting-fails-with-period-closed",
        "ledgerline-erp",
        "Invoice posting fails with “Period is closed”",
        "Why an invoice cannot be posted into a closed accounting period, and how to "
        "reopen the period or post into the next one.",
        """Ledgerline ERP refuses to post an invoice dated in an accounting period that
has been closed. The message reads **Period is closed (GL-0412)**.

## Check the period
1. Open **Finance › Periods**.
2. Find the period of the invoice date. A padlock means it is closed.

## Fix it
- If the period was closed too early, a user with the *Period manager* role can
  reopen it: select it and choose **Reopen**. Reopening is recorded in the audit log.
- Otherwise change the invoice's posting date to the first day of the next open
  period and post it again.

If neither is possible before your month-end deadline, log an S2 ticket and mention
the invoice numbers.
""",
        [],
    ),
    (
        "month-end-close-checklist",
        "ledgerline-erp",
        "Month-end close checklist for Ledgerline ERP 8.x",
        "The order in which to run reconciliations, accruals and the period close so "
        "that nothing blocks the next month.",
        """Run these steps in order; each one depends on the one before.

1. Post every open purchase and sales invoice of the month.
2. Run **Bank reconciliation** for each bank account.
3. Run **Accruals › Generate** and review the proposal before posting it.
4. Run the **Trial balance** report and compare it with last month.
5. Close the period in **Finance › Periods**.

Closing a period locks it for every user but the *Period manager* role. See also
“Invoice posting fails with ‘Period is closed’”.
""",
        [],
    ),
    (
        "erp-slow-after-upgrade-rebuild-indexes",
        "ledgerline-erp",
        "Ledgerline ERP is slow after an upgrade: rebuild the search indexes",
        "After upgrading to 8.1, list screens can be slow until the search indexes are "
        "rebuilt. It takes minutes and can run during the day.",
        """Upgrading to Ledgerline ERP 8.1 changes the layout of the search indexes. Until
they are rebuilt, list screens (customers, items, journal lines) may take several
seconds to open.

## Rebuild
1. Sign in as an administrator.
2. Open **System › Maintenance › Search indexes**.
3. Choose **Rebuild all**. Users can keep working; the rebuild runs in the background.

Large ledgers (over 5 million journal lines) take about 20 minutes. If screens are
still slow an hour later, log a ticket with the output of **System › Diagnostics**.
""",
        [],
    ),
    (
        "payroll-export-to-bank-rejected",
        "ledgerline-payroll",
        "The bank rejects the payroll payment file",
        "Most rejections come from an IBAN with spaces, a missing BIC for foreign "
        "accounts, or an execution date on a bank holiday.",
        """When the bank rejects the SEPA payment file exported from a pay run, check:

- **IBANs** are stored without spaces (Payroll 4.0 strips them; 3.4 does not).
- **BIC** is filled in for accounts outside your own country.
- The **execution date** is a banking day; the export does not move it for you.

Correct the employee records, then choose **Pay run › Export payments › Export again**.
The earlier file is marked as replaced, so the bank never receives both.
""",
        [],
    ),
    (
        "payroll-tax-tables-update",
        "ledgerline-payroll",
        "Updating the tax tables at the start of the year",
        "Tax tables arrive as a signed update package; install it before the first pay "
        "run of the year.",
        """Each December we publish the new year's tax tables as an update package, and
announce it in the release notes.

1. Download the package from the release note.
2. Open **Payroll › Settings › Tax tables › Install update** and choose the file.
3. Check the preview: the effective date must be 1 January.

Pay runs dated in the new year use the new tables automatically; corrections to
earlier periods keep using the tables in force then.
""",
        [],
    ),
    (
        "connect-api-authentication-401",
        "connect-api",
        "Connect API answers 401 Unauthorized",
        "Tokens expire after 60 minutes, and a clock more than 5 minutes off makes "
        "every signed request fail.",
        """Every request to the Ledgerline Connect API carries a bearer token.

- **Tokens live 60 minutes.** Request a new one with your client credentials when
  the API answers `401` with `error="invalid_token"`.
- **Clock skew.** Signed requests are refused when your server's clock is more than
  5 minutes off. Synchronise it with NTP.
- **Scopes.** A token without the `ledger.write` scope can read but not post; the
  answer is then `403`, not `401`.

Example:

```
curl -H "Authorization: Bearer $TOKEN" https://connect.ledgerline.example/v2/ledgers
```
""",
        [],
    ),
    (
        "connect-api-webhook-retries",
        "connect-api",
        "How webhook deliveries are retried",
        "Failed deliveries are retried with backoff for 24 hours; answer 2xx within 10 "
        "seconds and process the event afterwards.",
        """Connect API posts each event to your webhook endpoint and expects a `2xx`
answer within **10 seconds**.

A timeout or any other answer is retried after 1, 5, 30 and 120 minutes, then every
6 hours until 24 hours have passed. Each delivery carries the same `event_id`, so
store it and ignore repeats.

Answer first, then process: put the event on your own queue and return `202`.
""",
        [],
    ),
    (
        "after-hours-critical-support",
        "ledgerline-erp",
        "Reaching the on-call engineer for a critical issue after hours",
        "Privilege and 24x7 customers: how an S1 ticket reaches the on-call engineer "
        "outside business hours, and what happens in the first hour.",
        """This article is for customers on the **Privilege** and **24x7** support tiers.

Outside business hours an S1 ticket logged in the portal pages the on-call engineer.

- Within **15 minutes** the engineer triages the ticket.
- Within **1 hour** you receive a status notification with an estimated time to
  resolution.
- If you also call the support line, quote the ticket reference so the call joins
  the ticket.

Describe the business impact in the ticket: what has stopped, and for whom. It is
what the engineer reads first.
""",
        ["privilege", "24x7"],
    ),
]

# slug, kind, title, body, products, published (days ago), scheduled (days from now, hour
# UTC), duration minutes
RELEASE_NOTES = [
    (
        "ledgerline-erp-8-1",
        ReleaseKind.UPGRADE,
        "Ledgerline ERP 8.1 is available",
        """Ledgerline ERP 8.1 brings faster list screens, e-invoicing in the PEPPOL
format and a new accruals proposal.

**Before you upgrade**, read “Ledgerline ERP is slow after an upgrade: rebuild the
search indexes” in the knowledge base. Version 7.2 remains supported until the end
of next year.
""",
        ["Ledgerline ERP"],
        120,
        None,
        None,
    ),
    (
        "payroll-4-0-3-hotfix",
        ReleaseKind.HOTFIX,
        "Payroll 4.0.3 hotfix: overtime rounding",
        """Payroll 4.0.2 rounded overtime minutes down to whole hours in some pay
rules. 4.0.3 restores rounding to the minute. Install it before your next pay run;
no data needs correcting for pay runs that have not been finalised.
""",
        ["Ledgerline Payroll"],
        10,
        None,
        None,
    ),
    (
        "ledgerline-cloud-maintenance",
        ReleaseKind.MAINTENANCE,
        "Planned maintenance: Ledgerline cloud database upgrade",
        """We are upgrading the database servers behind hosted Ledgerline ERP and the
Connect API gateway.

- **ERP**: signed-in users are asked to save their work and sign out when the window
  starts; sign-in is closed for up to 90 minutes.
- **Connect API**: answers `503 Service Unavailable` during the window; webhook
  deliveries are queued and sent afterwards.

Scheduled jobs (pay runs, bank imports) planned inside the window run once it ends.
""",
        ["Ledgerline ERP", "Ledgerline Connect API"],
        2,
        (5, 21),
        120,
    ),
]


def seed(stdout) -> None:
    categories = {}
    for slug, name, description, position in CATEGORIES:
        categories[slug], _ = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )
    for slug, category, title, summary, body, tiers in ARTICLES:
        article, created = Article.objects.get_or_create(
            slug=slug,
            defaults={
                "category": categories[category],
                "title": title,
                "summary": summary,
                "body": body,
                "visibility": Visibility.TIERS if tiers else Visibility.PUBLIC,
                "is_published": True,
            },
        )
        if created and tiers:
            article.tiers.set(SupportTier.objects.filter(slug__in=tiers))
    now = timezone.now()
    for slug, kind, title, body, products, published, scheduled, minutes in RELEASE_NOTES:
        starts = None
        if scheduled is not None:
            days, hour = scheduled
            starts = (now + dt.timedelta(days=days)).replace(
                hour=hour, minute=0, second=0, microsecond=0
            )
        note, created = ReleaseNote.objects.get_or_create(
            slug=slug,
            defaults={
                "kind": kind,
                "title": title,
                "body": body,
                "scheduled_for": starts,
                "duration_minutes": minutes,
                # Demo history: published in the past, so nobody is emailed now.
                "published_at": now - dt.timedelta(days=published),
            },
        )
        if created:
            note.products.set(Product.objects.filter(name__in=products))
