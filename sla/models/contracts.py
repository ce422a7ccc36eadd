"""Support tiers, products and their versions, and the contracts that cover them."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.timezone import now
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from accounts.models import Organization


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    API = "api", "API"


class SupportTier(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=0, help_text=_("Orders tiers from the least to the most support.")
    )

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("support tier")
        verbose_name_plural = _("support tiers")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class ProductVersion(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="versions", verbose_name=_("product")
    )
    version = models.CharField(_("version"), max_length=40)
    released_on = models.DateField(_("released on"), null=True, blank=True)

    class Meta:
        ordering = ["product__name", "-released_on", "version"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="product_version_unique")
        ]
        verbose_name = _("product version")
        verbose_name_plural = _("product versions")

    def __str__(self) -> str:
        return f"{self.product.name} {self.version}"


class ContractQuerySet(models.QuerySet["Contract"]):
    def in_force(self, on: dt.date) -> ContractQuerySet:
        return self.filter(valid_from__lte=on, valid_to__gte=on)


class Contract(models.Model):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="contracts",
        verbose_name=_("organisation"),
    )
    tier = models.ForeignKey(
        SupportTier,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("support tier"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), help_text=_("Last day of cover, inclusive."))
    licence_key = models.CharField(_("licence key"), max_length=64, unique=True)
    covered_versions = models.ManyToManyField(
        ProductVersion,
        related_name="contracts",
        blank=True,
        help_text=_("Products and versions this contract covers."),
        verbose_name=_("covered versions"),
    )
    channel_portal = models.BooleanField(_("portal"), default=True)
    channel_email = models.BooleanField(_("email"), default=True)
    channel_phone = models.BooleanField(_("phone"), default=False)
    created_at = models.DateTimeField(_("created"), default=now)

    objects = ScopedManager(
        organization="organization",
        _manager_class=models.Manager.from_queryset(ContractQuerySet),
    )

    class Meta:
        ordering = ["organization__name", "-valid_from"]
        indexes = [
            # contract_in_force(): the one contract of an organisation valid on a day.
            models.Index(
                fields=["organization", "valid_from", "valid_to"], name="contract_org_validity_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")),
                name="contract_valid_to_after_from",
                violation_error_message=_("A contract cannot end before it starts."),
            ),
        ]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return f"{self.organization.code} {self.tier.name} {self.valid_from}–{self.valid_to}"

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": gettext("A contract cannot end before it starts.")})
        if self.organization_id and self.valid_from and self.valid_to:
            overlapping = (
                Contract._base_manager.filter(
                    organization_id=self.organization_id,
                    valid_from__lte=self.valid_to,
                    valid_to__gte=self.valid_from,
                )
                .exclude(pk=self.pk)
                .order_by("valid_from")
                .first()
            )
            if overlapping is not None:
                raise ValidationError(
                    gettext(
                        "%(organization)s already has a contract in force from %(start)s to "
                        "%(end)s; an organisation has at most one contract on any day."
                    )
                    % {
                        "organization": self.organization.code,
                        "start": date_format(overlapping.valid_from, "MEDIUM_DATE_FORMAT"),
                        "end": date_format(overlapping.valid_to, "MEDIUM_DATE_FORMAT"),
                    }
                )

    @property
    def entitled_channels(self) -> list[str]:
        return [
            channel
            for channel, entitled in (
                (Channel.PORTAL, self.channel_portal),
                (Channel.EMAIL, self.channel_email),
                (Channel.PHONE, self.channel_phone),
            )
            if entitled
        ]

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_to
