import datetime as dt

import pytest
from django.utils import timezone

from sla.models import Contract, ProductVersion, SupportTier
from tickets import services


@pytest.fixture
def contracts(personas):
    """ACME on Privilege (24x7 critical cover), GLBX on Standard, both valid today."""
    today = timezone.localdate()
    product_version = ProductVersion.objects.create(
        product=__import__("sla.models", fromlist=["Product"]).Product.objects.create(
            name="Ledgerline ERP"
        ),
        version="8.1",
    )
    made = {}
    for organization, tier in ((personas.org_a, "privilege"), (personas.org_b, "standard")):
        contract = Contract.objects.create(
            organization=organization,
            tier=SupportTier.objects.get(slug=tier),
            valid_from=today - dt.timedelta(days=30),
            valid_to=today + dt.timedelta(days=335),
            licence_key=f"KEY-{organization.code}",
        )
        contract.covered_versions.add(product_version)
        made[organization.code] = contract
    made["version"] = product_version
    return made


@pytest.fixture
def make_ticket(personas, contracts):
    def make(*, requester=None, severity="S1", type="incident", **extra):
        requester = requester or personas.admin_a
        return services.ticket_create(
            requester,
            organization=requester.membership.organization,
            requester=requester,
            title=extra.pop("title", "Invoices cannot be posted"),
            description=extra.pop("description", "Posting fails with error 500."),
            type=type,
            severity=severity,
            business_impact=extra.pop("business_impact", "Month-end close is blocked."),
            product_version=contracts["version"],
            **extra,
        )

    return make
