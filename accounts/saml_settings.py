"""A SAML identity provider as the customer administrator's page enters it
(accounts.views.organization_sso): its signing certificate and its metadata read
safely, and the SocialApp settings the page writes for allauth's SAML provider."""

import binascii
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml.etree import LxmlError
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

# What the customer administrator's page writes (accounts.views.organization_sso): the
# IdP's own entity ID, single sign-on URL and signing certificate, no metadata URL for
# the server to fetch, and signed assertions required, as the Django admin's
# connections have.
PAGE_IDP_KEYS = frozenset({"entity_id", "sso_url", "x509cert"})
PAGE_ADVANCED = {"want_assertion_signed": True}


def page_settings(*, entity_id: str, sso_url: str, certificate: str) -> dict[str, Any]:
    """A SocialApp's settings for an IdP entered on the customer administrator's page;
    its certificate (PEM) kept as base64 without the BEGIN/END lines, as in the admin."""
    body = "".join(line for line in certificate.strip().splitlines() if "-----" not in line)
    return {
        "idp": {"entity_id": entity_id, "sso_url": sso_url, "x509cert": body},
        "advanced": dict(PAGE_ADVANCED),
    }


def is_page_settings(settings: Any) -> bool:
    """Whether a SAML SocialApp's settings are all the page shows and writes: only such a
    connection is the customer administrator's to change (any other, such as one by a
    metadata URL or with an attribute mapping, is the support team's)."""
    if not isinstance(settings, dict) or set(settings) != {"idp", "advanced"}:
        return False
    idp = settings["idp"]
    return (
        isinstance(idp, dict)
        and set(idp) == PAGE_IDP_KEYS
        and settings["advanced"] == (PAGE_ADVANCED)
    )


def certificate_pem(text: str) -> str:
    """One X.509 certificate, given as PEM or as its bare base64 body (as metadata
    carries it), in PEM; ValueError when it is not one."""
    body = text.strip()
    if "-----BEGIN" not in body:
        body = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----"
    try:
        certificate = x509.load_pem_x509_certificate(body.encode("ascii"))
    except (ValueError, TypeError) as error:  # UnicodeEncodeError is a ValueError
        raise ValueError(str(error)) from None
    return certificate.public_bytes(Encoding.PEM).decode("ascii")


def certificate_summary(saved: str) -> dict[str, Any]:
    """The subject and the end of validity of a saved certificate, to show."""
    certificate = x509.load_pem_x509_certificate(certificate_pem(saved).encode("ascii"))
    return {
        "subject": certificate.subject.rfc4514_string()[:200],
        "not_after": certificate.not_valid_after_utc,
    }


def idp_from_metadata(xml: str) -> dict[str, str]:
    """The entity ID, single sign-on URL (HTTP-Redirect, the binding allauth sends
    people with) and signing certificate of an IdP's metadata, read by python3-saml's
    parser (no DTD, no entities); ValueError naming what is missing."""
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(
            xml.encode("utf-8"),
            required_sso_binding=OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT,
        )
    except (ValueError, LxmlError, binascii.Error) as error:
        raise ValueError("not metadata") from error
    idp = parsed.get("idp") or {}
    certificate = idp.get("x509cert") or next(
        iter((idp.get("x509certMulti") or {}).get("signing") or []), ""
    )
    found = {
        "entity_id": str(idp.get("entityId") or ""),
        "sso_url": str((idp.get("singleSignOnService") or {}).get("url") or ""),
        "certificate": str(certificate or ""),
    }
    missing = [key for key, value in found.items() if not value]
    if missing:
        raise ValueError(f"missing: {', '.join(missing)}")
    return found
