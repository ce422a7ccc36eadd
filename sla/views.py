from django.db.models import prefetch_related_objects
from django.shortcuts import render
from django.utils import timezone

from accounts import permissions
from sla import preview, selectors
from sla.models import SEVERITY_HELP, BusinessCalendar, Channel, Contract, Severity

EXPIRY_NOTICE_DAYS = 60


@permissions.require(permissions.is_customer)
def contract_detail(request):
    today = timezone.localdate()
    contract = selectors.contract_in_force(organization=request.organization, on=today)
    if contract is None:
        # Runs in the customer's scope (accounts.middleware), so only their contracts.
        last_contract = (
            Contract.objects.filter(valid_to__lt=today)
            .order_by("-valid_to")
            .only("valid_to")
            .first()
        )
        return render(request, "sla/contract_detail.html", {"last_contract": last_contract})

    policies = selectors.policies_for_tier(tier_id=contract.tier_id)
    calendars: dict[int, BusinessCalendar] = {}
    for policy in policies:
        for target in policy.targets.all():
            for calendar in (target.calendar, target.only_outside):
                if calendar is not None and not calendar.always_open:
                    calendars.setdefault(calendar.pk, calendar)
    # describe_hours() reads the openings: one query for all the calendars.
    prefetch_related_objects(list(calendars.values()), "openings")
    products: dict[str, list[str]] = {}
    for version in contract.covered_versions.select_related("product").order_by(
        "product__name", "-released_on", "version"
    ):
        products.setdefault(version.product.name, []).append(version.version)
    days_left = (contract.valid_to - today).days
    return render(
        request,
        "sla/contract_detail.html",
        {
            "contract": contract,
            "days_left": days_left if days_left < EXPIRY_NOTICE_DAYS else None,
            "channels": [Channel(channel).label for channel in contract.entitled_channels],
            "products": sorted(products.items()),
            "calendars": sorted(calendars.values(), key=lambda calendar: calendar.name),
            "sentences": [
                (preview.describe_policy(policy), SEVERITY_HELP.get(Severity(policy.severity)))
                for policy in policies
            ],
            "enhancement_sentence": preview.ENHANCEMENT_SENTENCE,
        },
    )
