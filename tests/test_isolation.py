"""Tenant isolation, walked over every URL pattern of the project.

Every URL name needs a rule below: which roles may use its function, and how to fill
its arguments with objects that belong to organisation B. Then, as every role:
- a customer of A addressing B's objects gets 404 (403 where the role lacks the function),
  and so does a plain user of A addressing a colleague's ticket he is not on;
- no response to A's customers contains B's marker strings;
- nothing in the database changes, for GET and POST alike;
- anonymous visitors are sent to sign in (public pages excepted).
A new URL without a rule fails ``test_every_url_has_an_isolation_rule``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialApp
from django.core import signing
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from notifications.services import sweep_record
from tests import factories
from tickets import escalations, intake, services, uploads

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # any signed-in user
CUSTOMER = "customer"  # customer users and administrators
CUSTOMER_ADMIN = "customer_admin"
STAFF = "staff"  # vendor staff: agents, specialists, managers, administrators
MANAGER = "manager"
ADMIN_SITE = "admin_site"  # Django admin: is_staff accounts only
ADMINISTRATOR = "administrator"  # the vendor's administrators (staff_role)
# Providers' webhooks: no session; a post without the provider's credentials is refused.
WEBHOOK = "webhook"
# Operators' endpoints behind a bearer token: without it (none in tests), no such page.
TOKEN = "token"
# The REST API: any signed-in person (here by their session), scoped as the pages; an
# anonymous request is a 401 that asks for a token, not a redirect to the sign-in page.
API = "api"
# Signed links that work without signing in (the survey's, in the resolution email): the
# walk holds one forged for B's ticket, which is a 404 for everyone.
SIGNED_LINK = "signed_link"
# Webhook endpoints: customer administrators (their organisation's) and administrators
# (the vendor's; they see customers' endpoints but change none).
WEBHOOK_OWNER = "webhook_owner"

ROLES = ["anonymous", "user_a", "admin_a", "agent", "manager", "administrator"]
ROLE_ACCESS = {
    "anonymous": {PUBLIC},
    "user_a": {PUBLIC, SIGNED_IN, CUSTOMER},
    "admin_a": {PUBLIC, SIGNED_IN, CUSTOMER, CUSTOMER_ADMIN, WEBHOOK_OWNER},
    "agent": {PUBLIC, SIGNED_IN, STAFF},
    "manager": {PUBLIC, SIGNED_IN, STAFF, MANAGER},
    "administrator": {
        PUBLIC,
        SIGNED_IN,
        STAFF,
        MANAGER,
        ADMIN_SITE,
        ADMINISTRATOR,
        WEBHOOK_OWNER,
    },
}

# Tables whose rows a request may legitimately write: the session and sign-in records.
VOLATILE_TABLES = {
    "django_session",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
    "django_admin_log",
    "usersessions_usersession",
    "accounts_securityevent",
}


# Sign-out (under our name and allauth's): the walker signs the role in again after it.
LOGOUTS = {"logout", "account_logout"}


@dataclass
class World:
    """Personas plus organisation B's objects, each carrying B's marker string."""

    personas: object
    foreign: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    access: str
    kwargs: Callable[[World], dict] = lambda world: {}
    post_only: bool = False
    # Staff work across organisations: B's object is theirs to open too.
    staff_see_all: bool = False
    # ...to open, and not to change: a post is refused (403).
    staff_read_only: bool = False
    # Asks the signed-in person for their password again first (allauth's
    # re-authentication), whatever the object: another's is a 404 only after that.
    reauthenticate_first: bool = False
    # Answers a person who has none of what it shows (an authenticator app, recovery
    # codes) with a 404.
    none_is_404: bool = False
    # Its kwargs name no object of B (a month of the reader's own report), so the role
    # that may open it gets its page, not a 404.
    kwargs_name_no_object: bool = False
    # Takes a file: the walker's post has none, which the role that may post is told
    # with a 400 (the pasted-file uploads).
    needs_a_file: bool = False
    # allauth's page of a failed sign-in through an identity provider: a 401 for anyone
    # (the walk brings no answer of the provider).
    sign_in_error: bool = False
    # A protocol's endpoint (SAML's single logout) that answers a request without the
    # protocol's message with a 400, for anyone.
    no_message_is_400: bool = False


def _foreign_membership(world: World) -> dict:
    return {"membership_id": world.foreign["membership"].pk}


def _foreign_ticket(world: World) -> dict:
    return {"reference": world.foreign["ticket"].reference}


def _saml_app(world: World) -> dict:
    return {"organization_slug": world.foreign["saml_sso"].app.client_id}


def _forged_survey_token(world: World) -> str:
    """B's ticket and requester, as a survey link names them, signed with another salt."""
    ticket = world.foreign["ticket"]
    return signing.dumps({"t": ticket.pk, "u": ticket.requester_id}, salt="forged")


def _this_month_of_b(world: World) -> dict:
    from django.utils import timezone

    today = timezone.localdate()
    return {"code": world.personas.org_b.code, "year": today.year, "month": today.month}


def _this_month(world: World) -> dict:
    """The customer's own report names no organisation: it is always the reader's."""
    from django.utils import timezone

    today = timezone.localdate()
    return {"year": today.year, "month": today.month}


def _ticket_rule(access: str, post_only: bool = True, extra=None) -> Rule:
    def kwargs(world: World) -> dict:
        return {**_foreign_ticket(world), **(extra(world) if extra else {})}

    return Rule(access, kwargs, post_only=post_only, staff_see_all=True)


def _endpoint_rule(post_only: bool = True, extra=None) -> Rule:
    def kwargs(world: World) -> dict:
        return {"pk": world.foreign["webhook_endpoint"].pk, **(extra(world) if extra else {})}

    return Rule(
        WEBHOOK_OWNER, kwargs, post_only=post_only, staff_see_all=True, staff_read_only=True
    )


RULES: dict[str, Rule] = {
    "ticket_list": Rule(SIGNED_IN),
    "ticket_create": Rule(CUSTOMER),
    "ticket_detail": _ticket_rule(SIGNED_IN, post_only=False),
    "ticket_reply": _ticket_rule(SIGNED_IN),
    # Who else has the ticket open: agents only, never a customer.
    "ticket_presence": _ticket_rule(STAFF, post_only=False),
    "ticket_transition": _ticket_rule(SIGNED_IN),
    "ticket_assign": _ticket_rule(STAFF),
    "ticket_severity": _ticket_rule(STAFF),
    "ticket_priority": _ticket_rule(STAFF),
    "ticket_tracker": _ticket_rule(STAFF),
    "ticket_watcher": _ticket_rule(CUSTOMER),
    "escalation_request": _ticket_rule(SIGNED_IN),
    "escalation_lower": _ticket_rule(STAFF),
    "ticket_link_add": _ticket_rule(STAFF),
    "ticket_link_remove": _ticket_rule(STAFF, extra=lambda w: {"link_id": w.foreign["link"].pk}),
    "ticket_merge": _ticket_rule(STAFF),
    "ticket_parent_set": _ticket_rule(STAFF),
    "ticket_parent_remove": _ticket_rule(STAFF),
    "ticket_children_resolve": _ticket_rule(STAFF),
    # The requester's alone: staff open B's ticket but answer no survey of it (403).
    "survey_answer": Rule(
        SIGNED_IN, _foreign_ticket, post_only=True, staff_see_all=True, staff_read_only=True
    ),
    "survey_link": Rule(
        SIGNED_LINK, lambda w: {"token": _forged_survey_token(w), "rating": "good"}
    ),
    "survey_comment": Rule(
        SIGNED_LINK, lambda w: {"token": _forged_survey_token(w)}, post_only=True
    ),
    "escalation_accept": _ticket_rule(
        MANAGER, extra=lambda w: {"escalation_id": w.foreign["escalation"].pk}
    ),
    "escalation_decline": _ticket_rule(
        MANAGER, extra=lambda w: {"escalation_id": w.foreign["escalation"].pk}
    ),
    "attachment_download": _ticket_rule(
        SIGNED_IN, post_only=False, extra=lambda w: {"attachment_id": w.foreign["attachment"].pk}
    ),
    # Pasted files: uploaded for a reply on a ticket, or for a new ticket's draft (the
    # customer's own), and opened by the address the message names (B's, posted: staff
    # open it, customers of A get the same 404 as for a missing one).
    "ticket_upload": Rule(
        SIGNED_IN, _foreign_ticket, post_only=True, staff_see_all=True, needs_a_file=True
    ),
    "draft_upload": Rule(CUSTOMER, post_only=True, needs_a_file=True),
    "upload_file": Rule(
        SIGNED_IN, lambda w: {"token": w.foreign["pasted"].token}, staff_see_all=True
    ),
    "markdown_preview": Rule(SIGNED_IN, post_only=True),
    "healthz": Rule(PUBLIC),
    "javascript_catalog": Rule(PUBLIC),
    "metrics": Rule(TOKEN),
    # Notifications: each user's own; B's user's notification is a 404 for everyone else.
    "notification_list": Rule(SIGNED_IN),
    "notification_bell": Rule(SIGNED_IN),
    "notification_read": Rule(
        SIGNED_IN, lambda w: {"notification_id": w.foreign["notification"].pk}, post_only=True
    ),
    "notification_read_all": Rule(SIGNED_IN, post_only=True),
    "notification_preferences": Rule(SIGNED_IN),
    "outbound_failed_list": Rule(STAFF),
    "inbound_webhook": Rule(WEBHOOK, lambda w: {"esp": "postmark"}, post_only=True),
    "login": Rule(PUBLIC),
    "account_login": Rule(PUBLIC),
    "account_inactive": Rule(PUBLIC),
    "account_logout": Rule(PUBLIC, post_only=True),
    # Two-factor authentication: each person's own; B's person's security key is a 404.
    "account_reauthenticate": Rule(SIGNED_IN),
    "mfa_authenticate": Rule(PUBLIC),
    "mfa_login_webauthn": Rule(PUBLIC),
    "mfa_index": Rule(SIGNED_IN),
    "usersessions_list": Rule(SIGNED_IN),
    "mfa_reauthenticate": Rule(SIGNED_IN),
    "mfa_activate_totp": Rule(SIGNED_IN),
    "mfa_deactivate_totp": Rule(SIGNED_IN, none_is_404=True),
    "mfa_view_recovery_codes": Rule(SIGNED_IN, none_is_404=True),
    "mfa_generate_recovery_codes": Rule(SIGNED_IN),
    "mfa_download_recovery_codes": Rule(SIGNED_IN, none_is_404=True),
    "mfa_list_webauthn": Rule(SIGNED_IN),
    "mfa_add_webauthn": Rule(SIGNED_IN),
    "mfa_reauthenticate_webauthn": Rule(SIGNED_IN),
    "mfa_remove_webauthn": Rule(
        SIGNED_IN, lambda w: {"pk": w.foreign["security_key"].pk}, reauthenticate_first=True
    ),
    "mfa_edit_webauthn": Rule(
        SIGNED_IN, lambda w: {"pk": w.foreign["security_key"].pk}, reauthenticate_first=True
    ),
    "logout": Rule(PUBLIC, post_only=True),
    # Single sign-on: anyone may start signing in through an organisation's identity
    # provider (B's here); its callback without the provider's answer is an error page.
    "sso_start": Rule(PUBLIC, post_only=True),
    "openid_connect_login": Rule(
        PUBLIC, lambda w: {"provider_id": w.foreign["sso"].app.provider_id}
    ),
    "openid_connect_callback": Rule(
        PUBLIC, lambda w: {"provider_id": w.foreign["sso"].app.provider_id}, sign_in_error=True
    ),
    # SAML: an organisation's IdP (Initech's here) by its SocialApp's client ID. Its pages
    # are the protocol's, for anyone: sign-in, the SP metadata, the assertion consumer
    # service (without the IdP's answer: the sign-in error page) and single logout.
    "saml_login": Rule(PUBLIC, _saml_app),
    "saml_metadata": Rule(PUBLIC, _saml_app),
    "saml_acs": Rule(PUBLIC, _saml_app),
    "saml_finish_acs": Rule(PUBLIC, _saml_app, sign_in_error=True),
    "saml_sls": Rule(PUBLIC, _saml_app, no_message_is_400=True),
    "socialaccount_login_cancelled": Rule(PUBLIC),
    "socialaccount_login_error": Rule(PUBLIC, sign_in_error=True),
    "password_reset": Rule(PUBLIC),
    "password_reset_done": Rule(PUBLIC),
    "password_reset_confirm": Rule(PUBLIC, lambda w: {"uidb64": "MQ", "token": "bad-token"}),
    "password_reset_complete": Rule(PUBLIC),
    "password_change": Rule(SIGNED_IN),
    "password_change_done": Rule(SIGNED_IN),
    "home": Rule(SIGNED_IN),
    "portal_home": Rule(CUSTOMER),
    "contact_list": Rule(CUSTOMER_ADMIN),
    "contact_invite": Rule(CUSTOMER_ADMIN),
    "organization_security": Rule(CUSTOMER_ADMIN, post_only=True),
    # The organisation's own single sign-on (its provider, domains, secret masked).
    "organization_sso": Rule(CUSTOMER_ADMIN),
    # Disconnecting it: the administrator's own organisation's only (there is no id).
    "organization_sso_disconnect": Rule(CUSTOMER_ADMIN, post_only=True),
    # The security log: every organisation's sign-ins, for the vendor's administrators.
    "security_event_list": Rule(ADMINISTRATOR),
    "security_event_export": Rule(ADMINISTRATOR),
    "contact_role": Rule(CUSTOMER_ADMIN, _foreign_membership, post_only=True),
    "contact_deactivate": Rule(CUSTOMER_ADMIN, _foreign_membership, post_only=True),
    "contact_reactivate": Rule(CUSTOMER_ADMIN, _foreign_membership, post_only=True),
    "invitation_resend": Rule(CUSTOMER_ADMIN, _foreign_membership, post_only=True),
    "contract_detail": Rule(CUSTOMER),
    # A link to B's invitation with a wrong token must not reveal or change anything.
    "invitation_accept": Rule(
        PUBLIC, lambda w: {"public_id": w.foreign["invitation"].public_id, "token": "x-y"}
    ),
    "profile": Rule(SIGNED_IN),
    "portal_ticket_list": Rule(CUSTOMER),
    "article_list": Rule(SIGNED_IN),
    # An article for a tier organisation A does not hold: a 404 for A, as a missing one.
    "article_detail": Rule(
        SIGNED_IN, lambda w: {"slug": w.foreign["kb_restricted"].slug}, staff_see_all=True
    ),
    "article_suggest": Rule(SIGNED_IN),
    "release_note_list": Rule(SIGNED_IN),
    # The agent workspace: staff only; staff take any organisation's ticket.
    "workspace": Rule(STAFF),
    "workspace_take_next": Rule(STAFF, post_only=True),
    "workspace_bulk": Rule(STAFF, post_only=True),
    "workspace_search": Rule(STAFF),
    "workspace_view_create": Rule(STAFF, post_only=True),
    # Another agent's saved view: a 404 for everyone else, staff included.
    "workspace_view_delete": Rule(
        STAFF, lambda w: {"view_id": w.foreign["saved_view"].pk}, post_only=True
    ),
    "workspace_log": Rule(STAFF),
    "workspace_log_customers": Rule(STAFF),
    "workspace_log_check": Rule(STAFF),
    "workspace_picker_staff": Rule(STAFF),
    "workspace_picker_contacts": Rule(STAFF),
    "workspace_picker_organizations": Rule(STAFF),
    "workspace_canned_responses": Rule(STAFF),
    "workspace_canned_response_edit": Rule(
        STAFF, lambda w: {"canned_response_id": w.foreign["canned_response"].pk}, staff_see_all=True
    ),
    "workspace_canned_response_delete": Rule(
        STAFF,
        lambda w: {"canned_response_id": w.foreign["canned_response"].pk},
        post_only=True,
        staff_see_all=True,
    ),
    "workspace_canned_response_render": _ticket_rule(
        STAFF,
        post_only=False,
        extra=lambda w: {"canned_response_id": w.foreign["canned_response"].pk},
    ),
    "workspace_row": _ticket_rule(STAFF, post_only=False),
    "workspace_acknowledge": _ticket_rule(STAFF),
    "workspace_assign": _ticket_rule(STAFF),
    "workspace_severity": _ticket_rule(STAFF),
    "workspace_priority": _ticket_rule(STAFF),
    "workspace_transition": _ticket_rule(STAFF),
    "workspace_reply": _ticket_rule(STAFF),
    # The SLA dashboard: managers and administrators see every organisation.
    "dashboard": Rule(MANAGER),
    "dashboard_now": Rule(MANAGER),
    "dashboard_export": Rule(MANAGER, lambda w: {"table": "breaches"}, staff_see_all=True),
    "dashboard_organization": Rule(
        MANAGER, lambda w: {"code": w.personas.org_b.code}, staff_see_all=True
    ),
    "dashboard_organization_export": Rule(
        MANAGER,
        lambda w: {"code": w.personas.org_b.code, "table": "open_tickets"},
        staff_see_all=True,
    ),
    "dashboard_report": Rule(MANAGER, _this_month_of_b, staff_see_all=True),
    "dashboard_report_csv": Rule(MANAGER, _this_month_of_b, staff_see_all=True),
    # A customer administrator's own organisation's report: B's is never named.
    "customer_report_latest": Rule(CUSTOMER_ADMIN),
    "customer_report": Rule(CUSTOMER_ADMIN, _this_month, kwargs_name_no_object=True),
    "customer_report_csv": Rule(CUSTOMER_ADMIN, _this_month, kwargs_name_no_object=True),
    # The REST API and each person's own tokens: B's person's token is a 404 for all.
    "api_token_list": Rule(SIGNED_IN),
    "api_token_revoke": Rule(
        SIGNED_IN, lambda w: {"pk": w.foreign["api_token"].pk}, post_only=True
    ),
    "api_tickets": Rule(API),
    "api_ticket_detail": Rule(API, _foreign_ticket, staff_see_all=True),
    "api_ticket_replies": Rule(API, _foreign_ticket, staff_see_all=True),
    "api_ticket_status": Rule(API, _foreign_ticket, post_only=True, staff_see_all=True),
    "api_ticket_severity": Rule(API, _foreign_ticket, post_only=True, staff_see_all=True),
    "api_ticket_escalations": Rule(API, _foreign_ticket, post_only=True, staff_see_all=True),
    "api_ticket_attachments": Rule(API, _foreign_ticket, staff_see_all=True),
    "api_ticket_attachment": Rule(
        API,
        lambda w: {**_foreign_ticket(w), "attachment_id": w.foreign["attachment"].pk},
        staff_see_all=True,
    ),
    "api_ticket_clocks": Rule(API, _foreign_ticket, staff_see_all=True),
    # A customer sees their own organisation only; B's code is a 404, as a missing one.
    "api_organizations": Rule(API),
    "api_organization_contracts": Rule(
        API, lambda w: {"code": w.personas.org_b.code}, staff_see_all=True
    ),
    "api_articles": Rule(API),
    "api_article": Rule(
        API, lambda w: {"slug": w.foreign["kb_restricted"].slug}, staff_see_all=True
    ),
    "api_release_notes": Rule(API),
    "api_notifications": Rule(API),
    "api_notification_read": Rule(
        API, lambda w: {"notification_id": w.foreign["notification"].pk}, post_only=True
    ),
    "api_schema": Rule(PUBLIC),
    "api_docs": Rule(PUBLIC),
    # B's own webhook endpoint: a 404 for A's administrator; administrators see it and
    # leave it to B.
    "webhook_list": Rule(WEBHOOK_OWNER),
    "webhook_detail": _endpoint_rule(post_only=False),
    "webhook_secret": _endpoint_rule(),
    "webhook_ping": _endpoint_rule(),
    "webhook_delete": _endpoint_rule(),
    "webhook_delivery_retry": _endpoint_rule(
        extra=lambda w: {"delivery_id": w.foreign["webhook_delivery"].pk}
    ),
}


def _walk(patterns, prefix="") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            found += _walk(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((prefix + entry.name, entry))
    return found


ALL_URLS = _walk(get_resolver().url_patterns)


def test_every_url_has_an_isolation_rule():
    missing = sorted(
        name for name, _ in ALL_URLS if not name.startswith("admin:") and name not in RULES
    )
    assert not missing, f"URLs without an isolation rule in tests/test_isolation.py: {missing}"


@pytest.fixture
def world(personas) -> World:
    sweep_record(at=timezone.now())  # beat is sweeping: /healthz is healthy
    org_b = personas.org_b
    org_b.name = "Globex MARKER-GLBX"
    org_b.save()
    stranger = factories.customer(
        org_b, full_name="Zed MARKER-GLBX", email="zed.marker@globex.example"
    )
    invited = factories.UserFactory(full_name="Ivy MARKER-GLBX", is_active=False)
    factories.MembershipFactory(organization=org_b, user=invited)
    invitation = factories.InvitationFactory(
        organization=org_b, user=invited, invited_by=personas.admin_b
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = intake.ticket_create(
        stranger,
        organization=org_b,
        requester=stranger,
        title="Pallet scanner MARKER-GLBX offline",
        description="Secret MARKER-GLBX details",
        severity="S2",
        attachments=[SimpleUploadedFile("marker.txt", b"MARKER-GLBX log", "text/plain")],
    )
    escalation = escalations.escalation_request(
        stranger, ticket=ticket, reason="MARKER-GLBX urgent"
    )
    shot = uploads.pending_upload_create(
        stranger,
        ticket=ticket,
        upload=SimpleUploadedFile("marker.png", factories.png_bytes(), "image/png"),
    )
    services.ticket_reply(
        stranger, ticket=ticket, body=f"MARKER-GLBX screen {uploads.markdown_for(shot)}"
    )
    from knowledge.models import Article, Category, ReleaseNote
    from sla.models import SupportTier
    from tickets.models import CannedResponse, SavedView

    kb_category = Category.objects.create(name="Scanners", slug="scanners")
    kb_restricted = Article.objects.create(
        title="Scanner MARKER-GLBX tier-only fix",
        slug="scanner-tier-only",
        category=kb_category,
        body="MARKER-GLBX",
        visibility="tiers",
        is_published=True,
    )
    kb_restricted.tiers.set([SupportTier.objects.get(slug="24x7")])
    Article.objects.create(
        title="Draft MARKER-GLBX", slug="scanner-draft", category=kb_category, body="x"
    )
    ReleaseNote.objects.create(
        title="Draft note MARKER-GLBX", slug="draft-note", kind="hotfix", body="MARKER-GLBX"
    )
    from api.services import api_token_create
    from notifications.models import Notification
    from webhooks.models import Delivery, Endpoint

    endpoint = Endpoint.objects.create(
        organization=org_b,
        url="https://hooks.globex.example/marker",
        description="MARKER-GLBX chat",
        events=["ticket.created"],
        secret="whsec_MARKER-GLBX",
    )

    from tickets.models import TicketLink

    same_cause = intake.ticket_create(
        stranger,
        organization=org_b,
        requester=stranger,
        title="Forklift MARKER-GLBX offline",
        description="Same MARKER-GLBX cause",
        severity="S3",
    )
    link = TicketLink.objects.create(
        ticket=ticket,
        other=same_cause,
        organization=org_b,
        other_organization=org_b,
        kind="same_cause",
    )

    return World(
        personas=personas,
        foreign={
            "link": link,
            "membership": stranger.membership,
            "invitation": invitation,
            "ticket": ticket,
            "escalation": escalation,
            "attachment": ticket.attachments.get(reply=None),
            "pasted": ticket.attachments.get(token=shot.token),
            "notification": Notification.objects.create(
                recipient=stranger,
                organization=org_b,
                ticket=ticket,
                kind="reply_added",
                event_key="reply:marker",
                title="MARKER-GLBX new reply",
            ),
            "kb_restricted": kb_restricted,
            "saved_view": SavedView.objects.create(
                owner=factories.StaffFactory(full_name="Other Agent"),
                name="MARKER-GLBX view",
                query=f"organization={org_b.pk}",
            ),
            "canned_response": CannedResponse.objects.create(
                title="Hello", body="Dear {customer_name},"
            ),
            "api_token": api_token_create(stranger, name="MARKER-GLBX monitor")[0],
            "security_key": Authenticator.objects.create(
                user=stranger, type=Authenticator.Type.WEBAUTHN, data={"name": "MARKER-GLBX key"}
            ),
            "webhook_endpoint": endpoint,
            # Public on the sign-in path: the provider's name; never its client or secret.
            "sso": factories.single_sign_on(
                org_b,
                domains=("globex.example",),
                client_id="MARKER-GLBX-client",
                secret="MARKER-GLBX-secret",
            ),
            # A third organisation's SAML identity provider, written into its SocialApp
            # (no metadata to fetch); the test client's host, testserver, is a single
            # label, which python3-saml refuses unless told.
            "saml_sso": factories.single_sign_on(
                factories.OrganizationFactory(name="Initech", code="INIT"),
                domains=("initech.example",),
                app=SocialApp.objects.create(
                    provider="saml",
                    provider_id="saml-initech",
                    name="Initech SSO",
                    client_id="initech",
                    settings={
                        "idp": {
                            "entity_id": "https://idp.initech.example/metadata",
                            "sso_url": "https://idp.initech.example/sso",
                            "x509cert": "MIIBszCCAVmgAwIBAgIUNOTAREALCERTIFICATE",
                        },
                        "advanced": {"allow_single_label_domains": True},
                    },
                ),
            ),
            "webhook_delivery": Delivery.objects.create(
                endpoint=endpoint,
                organization=org_b,
                event="ticket.created",
                event_key=f"ticket_created:{ticket.pk}",
                payload={"ticket": {"title": "MARKER-GLBX"}},
                state="failed",
            ),
        },
    )


def _fingerprint() -> dict[str, str]:
    """A hash of every row of every table but the volatile ones."""
    tables = [t for t in connection.introspection.table_names() if t not in VOLATILE_TABLES]
    digests = {}
    with connection.cursor() as cursor:
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "  # noqa: S608
                f"FROM {quoted} t"
            )
            digests[table] = cursor.fetchone()[0]
    return digests


@pytest.fixture
def cached_sessions(settings):
    """Sessions read from the cache and written through to the database, as production
    keeps them (helpdesk/settings.py, with its shared cache): a walked request reads its
    session without a query. Every request of a walk runs in this process, whose own
    cache is then the one each of them reads."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


def _client_for(role: str, world: World, client):
    if role != "anonymous":
        user = getattr(world.personas, role)
        client.force_login(user)
    return client


def _expected_status(rule: Rule, role: str, method: str, has_foreign_ids: bool) -> set[int]:
    if rule.access == TOKEN:
        return {404}
    if rule.access == SIGNED_LINK:
        return {405} if rule.post_only and method == "GET" else {404}
    if rule.access == API:
        if role == "anonymous":
            return {401}
        if method == "POST" and rule.staff_see_all and ROLE_ACCESS[role] >= {STAFF}:
            # Staff may act on B's ticket, but the walker posts a form and the API reads
            # JSON: refused (415) before anything is written.
            return {415}
        rule = Rule(SIGNED_IN, rule.kwargs, rule.post_only, rule.staff_see_all)
    if rule.access == WEBHOOK:
        # Refused without credentials (400), or absent while no secret is configured (404).
        return {405} if method == "GET" else {400, 404}
    if rule.sign_in_error:
        return {401}
    if rule.no_message_is_400:
        return {400}
    allowed = rule.access in ROLE_ACCESS[role]
    if rule.needs_a_file and method == "POST" and allowed and role != "anonymous":
        foreign_to_role = has_foreign_ids and not ROLE_ACCESS[role] >= {STAFF}
        return {404} if foreign_to_role else {400}
    if rule.post_only and method == "GET":
        return {405} if allowed or rule.access == PUBLIC else {302, 403, 405}
    if role == "anonymous" and rule.access != PUBLIC:
        return {302}
    if not allowed:
        return {403}
    if rule.staff_see_all and ROLE_ACCESS[role] >= {STAFF}:
        return {403} if method == "POST" and rule.staff_read_only else {200, 302}
    if rule.reauthenticate_first:
        return {302}
    if has_foreign_ids and rule.access != PUBLIC:
        return {404}
    return {200, 302, 404, 410} if rule.none_is_404 else {200, 302, 410}


@pytest.mark.parametrize("role", ROLES)
def test_no_url_lets_a_role_reach_or_change_another_organisations_data(role, world, client):
    client = _client_for(role, world, client)
    customer_of_a = role in ("user_a", "admin_a")
    failures = []
    for name, _pattern in ALL_URLS:
        if name.startswith("admin:"):
            continue
        rule = RULES[name]
        kwargs = rule.kwargs(world)
        url = reverse(name, kwargs=kwargs)
        for method in ("GET", "POST"):
            if method == "POST" and not rule.post_only:
                continue
            before = _fingerprint()
            response = client.get(url) if method == "GET" else client.post(url, {"role": "admin"})
            foreign = bool(kwargs) and not rule.kwargs_name_no_object
            expected = _expected_status(rule, role, method, foreign)
            if response.status_code not in expected:
                failures.append(
                    f"{method} {url} as {role}: {response.status_code}, expected {sorted(expected)}"
                )
            if role == "anonymous" and response.status_code == 302 and rule.access != PUBLIC:
                assert response["Location"].startswith("/accounts/login/"), url
            elif rule.reauthenticate_first and response.status_code == 302:
                assert response["Location"].startswith("/accounts/reauthenticate/"), url
            if customer_of_a and b"MARKER-GLBX" in response.content:
                failures.append(f"{method} {url} as {role}: shows organisation B's data")
            if name not in LOGOUTS and _fingerprint() != before:
                failures.append(f"{method} {url} as {role}: changed the database")
            if name in LOGOUTS:
                client = _client_for(role, world, client)
    assert not failures, "\n".join(failures)


def test_a_plain_user_gets_the_same_404_for_a_colleagues_ticket_as_for_a_missing_one(world, client):
    """A 403 would tell him which of his colleagues' ticket numbers exist."""

    personas = world.personas
    colleagues = intake.ticket_create(
        personas.admin_a,
        organization=personas.org_a,
        requester=personas.admin_a,
        title="Payroll run MARKER-COLLEAGUE",
        description="Only the administrator is on it.",
        severity="S3",
    )
    client.force_login(personas.user_a)
    failures = []
    for name, _pattern in ALL_URLS:
        rule = RULES.get(name)
        if rule is None or rule.access not in ROLE_ACCESS["user_a"] | {API}:
            continue
        kwargs = rule.kwargs(world)
        if "reference" not in kwargs:
            continue
        for reference in (colleagues.reference, f"{personas.org_a.code}-99999"):
            url = reverse(name, kwargs={**kwargs, "reference": reference})
            response = client.post(url) if rule.post_only else client.get(url)
            if response.status_code != 404 or b"MARKER-COLLEAGUE" in response.content:
                failures.append(f"{url}: {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ["user_a", "admin_a", "agent"])
def test_admin_site_is_closed_to_everyone_but_administrators(role, world, client):
    client = _client_for(role, world, client)
    admin_urls = [
        name
        for name, pattern in ALL_URLS
        if name.startswith("admin:") and not pattern.pattern.regex.groups
    ]
    assert "admin:index" in admin_urls
    for name in admin_urls:
        if name in ("admin:login", "admin:logout"):
            continue
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert "/admin/login/" in response["Location"], name
