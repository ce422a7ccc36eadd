from allauth.socialaccount.admin import SocialAppAdmin as AllauthSocialAppAdmin
from allauth.socialaccount.admin import SocialAppForm as AllauthSocialAppForm
from allauth.socialaccount.models import SocialApp
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.forms import SecretField
from accounts.models import (
    Invitation,
    Membership,
    Organization,
    SingleSignOn,
    SingleSignOnDomain,
    Team,
    User,
)


class MembershipInline(admin.StackedInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "staff_role", "organization_code", "is_active"]
    list_filter = ["staff_role", "is_active", "is_staff", "membership__role"]
    search_fields = ["email", "full_name", "membership__organization__code"]
    list_select_related = ["membership__organization"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "phone", "timezone", "language"]}),
        ("Role", {"fields": ["staff_role", "is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "staff_role", "password1", "password2"],
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Deactivated here: signed out everywhere, API tokens revoked, at once.
            services.user_access_ended(request.user, user=obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Membership and formset.deleted_objects:
            # The membership removed: the person belongs to no organisation any more.
            services.user_access_ended(request.user, user=form.instance)

    @admin.display(description="Organisation", ordering="membership__organization__code")
    def organization_code(self, obj: User) -> str:
        membership = getattr(obj, "membership", None)
        return membership.organization.code if membership else "—"


class MembershipOrgInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


def _end_access_of_removed_members(request, formset) -> None:
    """Members removed from an organisation's page: signed out, tokens revoked."""
    for membership in formset.deleted_objects:
        services.user_access_ended(request.user, user=membership.user)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "timezone", "cem", "support_team", "is_active", "created_at"]
    list_filter = ["is_active", "support_team", "cem"]
    search_fields = ["name", "code"]
    list_select_related = ["cem", "support_team"]
    autocomplete_fields = ["cem", "support_team"]
    inlines = [MembershipOrgInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Membership:
            _end_access_of_removed_members(request, formset)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "member_count", "created_at"]
    search_fields = ["name"]
    autocomplete_fields = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description="Members", ordering="member_total")
    def member_count(self, obj: Team) -> int:
        return getattr(obj, "member_total", 0)  # annotated by get_queryset


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization"]
    search_fields = ["user__email", "user__full_name", "organization__code"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["user", "organization"]

    def delete_model(self, request, obj):
        user = obj.user
        super().delete_model(request, obj)
        services.user_access_ended(request.user, user=user)

    def delete_queryset(self, request, queryset):
        users = [membership.user for membership in queryset.select_related("user")]
        super().delete_queryset(request, queryset)
        for user in users:
            services.user_access_ended(request.user, user=user)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["organization"]
    search_fields = ["user__email", "organization__code"]
    list_select_related = ["user", "organization", "invited_by"]
    readonly_fields = ["public_id"]


class SocialAppForm(AllauthSocialAppForm):
    """allauth's form of an identity provider, whose secret is never shown back: empty
    keeps the one saved."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["secret"] = SecretField(current=self.instance.secret if self.instance else "")

    def clean_secret(self) -> str:
        return self.cleaned_data["secret"] or (self.instance.secret if self.instance else "")


admin.site.unregister(SocialApp)


@admin.register(SocialApp)
class SocialAppAdmin(AllauthSocialAppAdmin):
    form = SocialAppForm
    list_display = ("name", "provider", "provider_id", "client_id")
    search_fields = ["name", "provider_id", "client_id"]


class SingleSignOnDomainForm(forms.ModelForm):
    class Meta:
        model = SingleSignOnDomain
        fields = ["domain"]

    def clean_domain(self) -> str:
        return self.cleaned_data["domain"].strip().lower()


class SingleSignOnDomainInline(admin.TabularInline):
    model = SingleSignOnDomain
    form = SingleSignOnDomainForm
    fields = ["domain"]
    extra = 1


@admin.register(SingleSignOn)
class SingleSignOnAdmin(admin.ModelAdmin):
    list_display = ["organization", "app", "mandatory", "domain_list", "created_at"]
    list_filter = ["mandatory"]
    search_fields = ["organization__code", "organization__name", "domains__domain"]
    list_select_related = ["organization", "app"]
    autocomplete_fields = ["organization"]
    readonly_fields = ["created_at"]
    inlines = [SingleSignOnDomainInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("domains")

    @admin.display(description=_("email domains"))
    def domain_list(self, obj: SingleSignOn) -> str:
        return ", ".join(row.domain for row in obj.domains.all())

    def save_formset(self, request, form, formset, change):
        # Each domain carries its organisation (the tenant's key, copied down).
        for domain_form in formset.forms:
            if domain_form.instance is not None:
                domain_form.instance.organization_id = form.instance.organization_id
        super().save_formset(request, form, formset, change)
