"""A real OpenID Connect provider for the single sign-on tests: panva's oidc-provider
(npm, a devDependency), run by ``provider.mjs`` beside this file on a free port with
static clients and accounts."""

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).resolve().parent
ORG_CLIENT = {"client_id": "acme-helpdesk", "client_secret": "acme-secret-0123456789"}
STAFF_CLIENT = {"client_id": "vendor-staff", "client_secret": "staff-secret-0123456789"}
# The provider's accounts: its login name → the claims it vouches for.
ACCOUNTS = {
    "nora": {"email": "Nora.New@acme.example", "email_verified": True, "name": "Nora New"},
    "erik": {"email": "erik.existing@acme.example", "email_verified": True, "name": "Erik"},
    "felix": {"email": "felix@globex.example", "email_verified": True, "name": "Felix"},
    "uma": {"email": "uma@acme.example", "email_verified": False, "name": "Uma"},
    "agnes": {"email": "agnes@vendor.example", "email_verified": True, "name": "Agnes"},
    "ned": {"email": "ned@vendor.example", "email_verified": True, "name": "Ned"},
    "carl": {"email": "carl@acme.example", "email_verified": True, "name": "Carl"},
}


@contextmanager
def oidc_provider(site_url: str) -> Iterator[str]:
    """The provider, registered for the help desk at ``site_url`` (its clients' redirect
    URIs): yields its issuer URL, and stops it afterwards."""
    node = shutil.which("node")
    if node is None or not (HERE.parents[1] / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("node and `make assets` (oidc-provider) are needed for these tests")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    callback = site_url.rstrip("/") + "/accounts/oidc/{}/login/callback/"
    clients = [
        {**ORG_CLIENT, "redirect_uris": [callback.format("org-acme")]},
        {**STAFF_CLIENT, "redirect_uris": [callback.format("vendor-staff")]},
    ]
    process = subprocess.Popen(
        [node, str(HERE / "provider.mjs"), str(port)],
        env={
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "OIDC_CLIENTS": json.dumps(clients),
            "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)
