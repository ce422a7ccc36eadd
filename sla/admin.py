from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sla import engine
from sla.models import (
    BusinessCalendar,
    CalendarDate,
    Contract,
    OpeningHours,
    Product,
    ProductVersion,
    SLAPolicy,
    SLATarget,
    SupportTier,
)


class OpeningHoursFormSet(forms.BaseInlineFormSet):
    """Checks the week as a whole with the engine's own validation: ranges that overlap
    or end before they start, an unknown timezone, a calendar with no open hours."""

    def clean(self) -> None:
        super().clean()
        hours: dict[int, list] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("weekday") is None:
                continue
            if data.get("opens") is None or data.get("closes") is None:
                continue
            hours.setdefault(data["weekday"], []).append((data["opens"], data["closes"]))
        errors = engine.validate_calendar(
            timezone=self.instance.timezone or "",
            hours=hours,
            always_open=self.instance.always_open,
        )
        if errors:
            raise ValidationError(errors)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0


class CalendarDateInline(admin.TabularInline):
    model = CalendarDate
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "timezone",
        "always_open",
        "holiday_country",
        "open_on_moved_working_days",
        "hours",
    ]
    list_filter = ["always_open", "holiday_country", "open_on_moved_working_days"]
    search_fields = ["name"]
    inlines = [OpeningHoursInline, CalendarDateInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("openings")

    @admin.display(description=_("Opening hours"))
    def hours(self, obj: BusinessCalendar) -> str:
        return obj.describe_hours()


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0
    autocomplete_fields = ["calendar"]


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ["tier", "severity", "warn_share", "targets_summary"]
    list_filter = ["tier", "severity"]
    inlines = [SLATargetInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("tier")
            .prefetch_related("targets__calendar")
        )

    @admin.display(description=_("Targets"))
    def targets_summary(self, obj: SLAPolicy) -> str:
        return "; ".join(f"{t.get_kind_display()} {t.describe()}" for t in obj.targets.all())


@admin.register(SupportTier)
class SupportTierAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "rank"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ProductVersionInline(admin.TabularInline):
    model = ProductVersion
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    inlines = [ProductVersionInline]


@admin.register(ProductVersion)
class ProductVersionAdmin(admin.ModelAdmin):
    list_display = ["product", "version", "released_on"]
    list_filter = ["product"]
    search_fields = ["product__name", "version"]
    list_select_related = ["product"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["organization", "tier", "valid_from", "valid_to", "licence_key", "channels"]
    list_filter = ["tier", "channel_phone", "valid_to"]
    search_fields = ["organization__name", "organization__code", "licence_key"]
    list_select_related = ["organization", "tier"]
    autocomplete_fields = ["organization"]
    filter_horizontal = ["covered_versions"]
    date_hierarchy = "valid_from"

    @admin.display(description=_("Channels"))
    def channels(self, obj: Contract) -> str:
        return ", ".join(obj.entitled_channels)
