"""The signature of a delivery: HMAC-SHA256, keyed by the endpoint's secret, over the
timestamp, a full stop and the body as sent.

    X-Helpdesk-Signature: t=1765031400,v1=5257a869e7ec…(64 hexadecimal digits)

The receiver computes the same over the raw body and compares in constant time; the
timestamp, inside the signature, lets it refuse an old message replayed (docs/webhooks.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Helpdesk-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The header's value for a body sent at ``timestamp`` (seconds since the epoch)."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
