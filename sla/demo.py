"""Demo products and contracts: one organisation per tier, and one whose contract lapsed."""

import datetime as dt

from django.utils import timezone

from accounts.models import Organization
from sla.models import BusinessCalendar, Contract, Product, ProductVersion, SupportTier
from sla.selectors import vendor_calendar

PRODUCTS = {
    "Ledgerline ERP": [("7.2", 900), ("8.0", 420), ("8.1", 120)],
    "Ledgerline Payroll": [("3.4", 700), ("4.0", 200)],
    "Ledgerline Connect API": [("2.0", 300), ("2.1", 60)],
}

# code, tier slug, started (days ago), length (days), channels (portal, email, phone), products
CONTRACTS = [
    ("ACME", "standard", 400, 730, (True, True, True), ["Ledgerline ERP", "Ledgerline Payroll"]),
    ("GLBX", "base", 250, 365, (True, True, False), ["Ledgerline ERP"]),
    (
        "INIT",
        "privilege",
        500,
        1095,
        (True, True, True),
        ["Ledgerline ERP", "Ledgerline Payroll", "Ledgerline Connect API"],
    ),
    ("UMBR", "24x7", 300, 1095, (True, True, True), ["Ledgerline ERP", "Ledgerline Connect API"]),
    ("WAYN", "base", 500, 365, (True, True, False), ["Ledgerline ERP"]),
]


def seed(stdout) -> None:
    today = timezone.localdate()
    # The vendor works in Budapest: open on Hungary's working Saturdays too, as the law
    # has its staff work them (docs/sla.md, business calendars).
    vendor = vendor_calendar()
    if vendor is not None and vendor.holiday_country == "HU":
        BusinessCalendar.objects.filter(pk=vendor.pk).update(
            open_on_moved_working_days=True, updated_at=timezone.now()
        )
    for name, versions in PRODUCTS.items():
        product, _ = Product.objects.get_or_create(name=name)
        for version, age_days in versions:
            ProductVersion.objects.get_or_create(
                product=product,
                version=version,
                defaults={"released_on": today - dt.timedelta(days=age_days)},
            )
    for code, tier, started, length, channels, products in CONTRACTS:
        organization = Organization.objects.get(code=code)
        if Contract.objects.filter(organization=organization).exists():
            continue
        valid_from = today - dt.timedelta(days=started)
        contract = Contract.objects.create(
            organization=organization,
            tier=SupportTier.objects.get(slug=tier),
            valid_from=valid_from,
            valid_to=valid_from + dt.timedelta(days=length - 1),
            licence_key=f"LL-{code}-{valid_from:%Y%m}-{tier.upper()}",
            channel_portal=channels[0],
            channel_email=channels[1],
            channel_phone=channels[2],
        )
        contract.covered_versions.set(ProductVersion.objects.filter(product__name__in=products))
