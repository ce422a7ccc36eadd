"""A SAML 2.0 identity provider for the single sign-on tests: pysaml2's ``Server``
behind a small WSGI application, run as a process of its own.

    python tests/accounts/saml_idp.py WORKDIR [--https]

It makes a signing key and a self-signed certificate in WORKDIR, listens on a free port
of 127.0.0.1 and prints ``READY <base URL>`` on its first line. With ``--https`` it
answers over TLS with that certificate (made for 127.0.0.1 too; WORKDIR/idp.crt is the
one to trust), as a real IdP whose URLs the customer administrator's page accepts
(https only). Its pages:

- ``GET /metadata``: the IdP's metadata (entity ID, single sign-on URL, certificate);
- ``POST /sp``: a service provider's metadata (the body), as an IdP's administrator
  registers the help desk with it; only registered service providers are answered;
- ``GET /sso/redirect``: an AuthnRequest (HTTP-Redirect binding): the IdP's sign-in form;
- ``POST /sso/login``: that form (``key``, ``uid``, ``email``, ``given_name``,
  ``surname``): the signed Response for the service provider, as the HTTP-POST binding's
  self-submitting form. The person is whoever the form names: the directory behind a real
  IdP is not what the tests are about, and the email address is the IdP's claim to test.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
import socketserver
import ssl
import sys
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, saml
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def make_key_and_certificate(workdir: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test identity provider")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        # Also its TLS certificate, under --https.
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_file = workdir / "idp.key"
    cert_file = workdir / "idp.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def idp_config(base: str, key_file: Path, cert_file: Path) -> IdPConfig:
    config = IdPConfig()
    config.load(
        {
            "entityid": f"{base}/metadata",
            "service": {
                "idp": {
                    "name": "Test identity provider",
                    "endpoints": {
                        "single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)]
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "want_authn_requests_signed": False,
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 15},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                }
            },
            "key_file": str(key_file),
            "cert_file": str(cert_file),
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "metadata": {},
        }
    )
    return config


class IdentityProvider:
    def __init__(self, base: str, workdir: Path) -> None:
        key_file, cert_file = make_key_and_certificate(workdir)
        self.server = Server(config=idp_config(base, key_file, cert_file))
        self.pending: dict[str, object] = {}  # sign-in form key -> AuthnRequest

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        try:
            if path == "/favicon.ico":  # asked for by the browser tests' Chromium
                return self._answer(start_response, b"", "image/x-icon", "204 No Content")
            if method == "GET" and path == "/metadata":
                body = create_metadata_string(None, config=self.server.config, sign=False)
                return self._answer(start_response, body, "text/xml")
            if method == "POST" and path == "/sp":
                self.server.metadata.load("inline", self._body(environ).decode())
                return self._answer(start_response, b"registered", "text/plain")
            if method == "GET" and path == "/sso/redirect":
                return self._sign_in_form(start_response, parse_qs(environ["QUERY_STRING"]))
            if method == "POST" and path == "/sso/login":
                form = parse_qs(self._body(environ).decode())
                return self._response(start_response, {k: v[0] for k, v in form.items()})
        except Exception as error:  # noqa: BLE001 - an IdP answers a bad request with a 400
            return self._answer(start_response, repr(error).encode(), "text/plain", "400 Bad")
        return self._answer(start_response, b"not found", "text/plain", "404 Not Found")

    def _sign_in_form(self, start_response, query: dict[str, list[str]]):
        request = self.server.parse_authn_request(
            query["SAMLRequest"][0], BINDING_HTTP_REDIRECT
        ).message
        key = secrets.token_urlsafe(16)
        self.pending[key] = (request, query.get("RelayState", [""])[0])
        page = (
            '<!doctype html><html lang="en"><title>Test identity provider</title>'
            '<form method="post" action="/sso/login">'
            f'<input type="hidden" name="key" value="{key}">'
            '<label>User ID <input name="uid"></label>'
            '<label>Email <input name="email"></label>'
            '<label>Given name <input name="given_name"></label>'
            '<label>Surname <input name="surname"></label>'
            "<button>Sign in</button></form></html>"
        )
        return self._answer(start_response, page.encode(), "text/html")

    def _response(self, start_response, form: dict[str, str]):
        request, relay_state = self.pending.pop(form["key"])
        args = self.server.response_args(request, [BINDING_HTTP_POST])
        identity = {"mail": [form["email"]]}
        if form.get("given_name"):
            identity["givenName"] = [form["given_name"]]
        if form.get("surname"):
            identity["sn"] = [form["surname"]]
        name_id = saml.NameID(
            format=NAMEID_FORMAT_PERSISTENT,
            text=form["uid"],
            sp_name_qualifier=args["sp_entity_id"],
            name_qualifier=self.server.config.entityid,
        )
        response = self.server.create_authn_response(
            identity,
            name_id=name_id,
            authn={"class_ref": PASSWORD, "authn_auth": self.server.config.entityid},
            sign_assertion=True,
            sign_response=False,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            **args,
        )
        http_args = self.server.apply_binding(
            BINDING_HTTP_POST,
            str(response),
            args["destination"],
            relay_state,
            response=True,
        )
        return self._answer(start_response, http_args["data"].encode(), "text/html")

    @staticmethod
    def _body(environ) -> bytes:
        return environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))

    @staticmethod
    def _answer(start_response, body, content_type, status="200 OK"):
        body = body if isinstance(body, bytes) else body.encode()
        start_response(status, [("Content-Type", f"{content_type}; charset=utf-8")])
        return [body]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    # A browser's idle spare connection must not hold up the next request.
    daemon_threads = True


def main() -> None:
    workdir = Path(sys.argv[1])
    https = "--https" in sys.argv[2:]
    httpd = make_server(
        "127.0.0.1",
        0,
        lambda e, s: app(e, s),
        server_class=ThreadingServer,
        handler_class=QuietHandler,
    )
    base = f"{'https' if https else 'http'}://127.0.0.1:{httpd.server_port}"
    app = IdentityProvider(base, workdir)
    if https:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(workdir / "idp.crt", workdir / "idp.key")
        httpd.socket = context.wrap_socket(
            httpd.socket, server_side=True, do_handshake_on_connect=False
        )
    print(f"READY {base}", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
