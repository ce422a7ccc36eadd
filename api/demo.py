"""Demo API tokens with texts that the API's documentation shows (docs/api.md), so its
curl examples run against `make demo` as written. Only the demo seeds tokens whose text
is known; a real token's text is random and shown once."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import User
from api.models import ApiToken, TokenScope
from api.services import token_hash

# (email, name, scope, token text): hd_<prefix>_<secret>, as api.services makes them.
TOKENS = [
    (
        "anna.admin@acme.example",
        "Acme's monitoring (demo)",
        TokenScope.WRITE,
        "hd_demoacme_Acme-monitoring-demo-token-not-secret",
    ),
    (
        "alex.agent@vendor.example",
        "Alex's chat integration (demo)",
        TokenScope.READ,
        "hd_demoalex_Alex-chat-demo-token-not-secret",
    ),
    (
        "priya.agent@vendor.example",
        "Priya's triage script (demo)",
        TokenScope.WRITE,
        "hd_demopriya_Priya-triage-demo-token-not-secret",
    ),
]


def seed(stdout) -> None:
    for email, name, scope, text in TOKENS:
        prefix = text.split("_")[1]
        if ApiToken.objects.filter(prefix=prefix).exists():
            continue
        ApiToken.objects.create(
            user=User.objects.get(email=email),
            name=name,
            prefix=prefix,
            key_hash=token_hash(text),
            scope=scope,
            expires_at=timezone.now() + dt.timedelta(days=365),
        )


def print_tokens(stdout) -> None:
    stdout.write("")
    stdout.write("Demo API tokens (docs/api.md):")
    for email, _name, scope, text in TOKENS:
        stdout.write(f"  {email:<28} {scope.label:<15} {text}")
