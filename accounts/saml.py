"""SAML 2.0 single sign-on: allauth's SAML provider (python3-saml) does the protocol;
this module only fits its views to the help desk (accounts/urls.py routes them) and says
which addresses a SAML identity provider vouches for (accounts.adapters). Who may sign
in through it is accounts.sso's, as for any protocol."""

import logging
import zlib
from collections.abc import Callable
from functools import wraps

from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.saml import views as saml_views
from allauth.socialaccount.providers.saml.provider import SAMLProvider
from allauth.socialaccount.providers.saml.utils import build_saml_config, get_app_or_404
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from lxml.etree import XMLSyntaxError

from accounts import selectors, sso

logger = logging.getLogger(__name__)

# What python3-saml raises, past allauth's error handling (which expects python3-saml's
# own errors), for a posted message that is not one: no base64 (binascii.Error is a
# ValueError), no deflate (zlib.error), no text (UnicodeError), no XML document, or a
# DTD or entities, which its parser forbids (ValueError).
MALFORMED = (ValueError, zlib.error, XMLSyntaxError)


def vouches_for(*, app: SocialApp | None, email: str) -> bool:
    """Whether ``email`` counts as verified when ``app``, a SAML identity provider, asserts
    it. SAML has no "email verified" claim: the address in the IdP's signed assertion is
    its word, when the IdP is an organisation's single sign-on or the vendor's own.
    Which addresses it may sign in (its domains only) is accounts.sso's to decide, which
    then refuses a foreign one as such."""
    if app is None or app.provider != SAMLProvider.id:
        return False
    return sso.is_staff_app(app) or selectors.single_sign_on_for_app(app=app) is not None


def saml_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """One of allauth's SAML views, made safe for any request:

    - the client ID in the URL names a SocialApp; one with a NUL byte (which PostgreSQL
      cannot even compare) names none: a 404, as for any unknown one;
    - allauth hands python3-saml the request's ``Host`` header as it came (``HTTP_HOST``)
      to rebuild the URL a Response was posted to; a request without one (HTTP/1.0
      allows it) gets the host Django itself uses, one of ALLOWED_HOSTS (else Django's
      400 for a disallowed host), instead of a server error."""

    @wraps(view)
    def wrapped(request: HttpRequest, organization_slug: str) -> HttpResponse:
        if "\x00" in organization_slug:
            raise Http404("No such identity provider.")
        if "HTTP_HOST" not in request.META:
            request.META["HTTP_HOST"] = request.get_host()
        return view(request, organization_slug=organization_slug)

    return wrapped


acs = saml_endpoint(saml_views.acs)


@saml_endpoint
def finish_acs(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """allauth's end of the assertion consumer service; a malformed SAMLResponse gets the
    same "sign-in failed" page as any other invalid response."""
    try:
        return saml_views.finish_acs(request, organization_slug=organization_slug)
    except MALFORMED as error:
        provider = get_app_or_404(request, organization_slug).get_provider(request)
        return render_authentication_error(
            request,
            provider,
            exception=error,
            extra_context={"saml_errors": ["invalid_response"]},
        )


@saml_endpoint
def sls(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """allauth's single logout service; a malformed SAMLRequest or SAMLResponse gets the
    400 allauth answers any other invalid logout message with."""
    try:
        return saml_views.sls(request, organization_slug=organization_slug)
    except MALFORMED:
        return HttpResponseBadRequest(
            _("This is not a valid SAML logout message."), content_type="text/plain"
        )


@saml_endpoint
def login(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """allauth's SAML sign-in: a GET shows "Continue to <provider>", its POST leaves for
    the IdP's single sign-on URL. That form is sent on to the IdP's origin, which the
    site's Content-Security-Policy (forms to this site only) allows on this page.

    The IdP's settings come from its metadata URL (fetched, then cached) or are written
    in the SocialApp; an IdP whose metadata cannot be read gets the "sign-in failed"
    page, not a server error."""
    app = get_app_or_404(request, organization_slug)
    try:
        config = build_saml_config(request, app.settings, app.client_id)
    except Exception as error:  # noqa: BLE001 - python3-saml raises a bare Exception for bad metadata
        logger.warning("SAML identity provider %s unusable: %s", app.client_id, error)
        return render_authentication_error(request, app.get_provider(request), exception=error)
    response = saml_views.login(request, organization_slug=organization_slug)
    sso.allow_form_action(
        response, str(config["idp"].get("singleSignOnService", {}).get("url", ""))
    )
    return response


@saml_endpoint
def metadata(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """allauth's SP metadata (for the IdP's administrator). allauth builds it with the
    IdP's settings, so an IdP whose metadata cannot be read is a 503 that says so."""
    app = get_app_or_404(request, organization_slug)
    try:
        build_saml_config(request, app.settings, app.client_id)
    except Exception as error:  # noqa: BLE001 - python3-saml raises a bare Exception for bad metadata
        logger.warning("SAML identity provider %s unusable: %s", app.client_id, error)
        return HttpResponse(
            _("The identity provider's metadata cannot be read."),
            content_type="text/plain",
            status=503,
        )
    return saml_views.metadata(request, organization_slug=organization_slug)
