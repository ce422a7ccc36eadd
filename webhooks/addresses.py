"""Where a webhook may be sent: never to the help desk's own network (SSRF).

An endpoint's host must resolve to public addresses only: no loopback, private,
link-local (the cloud's metadata service), shared, reserved or multicast address. It is
checked when the endpoint is saved and again before every attempt, since what a name
resolves to can change. ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` lifts the rule (tests, a
closed network), and only then is plain ``http://`` accepted.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def check(url: str) -> None:
    """Raise ValidationError unless ``url`` may receive webhooks."""
    parts = urlsplit(url)
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise ValidationError(_("The URL must start with https://."), code="scheme")
    host = parts.hostname
    if not host:
        raise ValidationError(_("The URL names no host."), code="host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        message = _("The URL's port is not a number from 1 to 65535.")
        raise ValidationError(message, code="port") from error
    if allow_private:
        return
    for address in resolve(host, port):
        if not is_public(address):
            raise ValidationError(
                _(
                    "%(host)s is a private or local address (%(address)s): the help desk "
                    "only sends webhooks to addresses on the internet."
                )
                % {"host": host, "address": address},
                code="private",
            )


def resolve(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise ValidationError(
            _("%(host)s cannot be resolved (%(error)s).") % {"host": host, "error": error},
            code="resolve",
        ) from error
    return sorted({str(info[4][0]) for info in found})


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
