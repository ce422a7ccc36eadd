"""Shared fixtures: personas of two organisations and the vendor, their support
contracts and a ticket maker, a stopped clock, a real Celery worker on the Redis broker,
and a real headless Chromium driven by Playwright."""

import datetime as dt
import fcntl
import importlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import Organization, User
from sla.models import Contract, Product, ProductVersion, SupportTier
from tests import factories
from tickets import intake


@pytest.fixture(scope="session")
def _test_database_cloned(
    request, django_db_modify_db_settings, django_db_blocker, tmp_path_factory
) -> Iterator[bool]:
    """Under pytest-xdist on PostgreSQL, the migrations run once per run, not once per
    test process: the first process to take the run's lock migrates a template database
    in a subprocess (about 28 s of CPU each time, which four processes on two cores used
    to pay at once), and every process copies its own database from it (a third of a
    second). The copy then counts as kept, so pytest-django neither creates it nor runs
    the migrations again; it is dropped at the end of the run. With ``--reuse-db`` and
    no ``--create-db``, or in one process, Django creates the database as usual."""
    from django.db import connection

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    fresh = request.config.getoption("create_db") or not request.config.getoption("reuse_db")
    if not (worker and fresh and connection.vendor == "postgresql"):
        yield False
        return
    name = connection.creation._get_test_db_name()
    template = f"{name.removesuffix(f'_{worker}')}_template"
    run = tmp_path_factory.getbasetemp().parent
    with django_db_blocker.unblock(), (run / "test-database.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        ready = run / "test-database.ready"
        if not ready.exists():
            _migrate_template(connection, template)
            ready.write_text(template)
        with connection._nodb_cursor() as cursor:
            quote = connection.ops.quote_name
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")
    yield True
    with django_db_blocker.unblock():
        connection.close()
        with connection._nodb_cursor() as cursor:
            quote = connection.ops.quote_name
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")


def _migrate_template(connection, template: str) -> None:
    """The template database, created afresh and migrated by ``manage.py migrate`` in a
    subprocess with this run's settings and environment."""
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(template)} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quote(template)}")
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{template}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        env={**os.environ, "DATABASE_URL": urlunsplit(url)},
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
    )


@pytest.fixture(scope="session")
def django_db_keepdb(django_db_keepdb, _test_database_cloned) -> bool:
    return django_db_keepdb or _test_database_cloned


@pytest.fixture(scope="session")
def django_db_createdb(django_db_createdb, _test_database_cloned) -> bool:
    return django_db_createdb and not _test_database_cloned


@pytest.fixture(scope="session")
def django_db_use_migrations(django_db_use_migrations, _test_database_cloned) -> bool:
    """A copied database has every table already: Django's creation then only checks
    that they are there (migrations off, it syncs the models' tables, and finds them)."""
    return django_db_use_migrations and not _test_database_cloned


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database commits without waiting for the disk: a test database is
    thrown away, and each commit of a transactional test (a live server, a worker, a
    flush) otherwise waits about 5 ms for the write-ahead log to reach the disk. Set on
    the database, so the web servers and workers that tests start get it too."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            cursor.execute(f"ALTER DATABASE {name} SET synchronous_commit TO off")
            cursor.execute("SET synchronous_commit TO off")
    return django_db_setup


@pytest.fixture(scope="session", autouse=True)
def _flush_by_deleting_rows() -> Iterator[None]:
    """A transactional test (a live server, a worker, real commits) ends by emptying
    every table with Django's ``flush``, which on PostgreSQL truncates all 70-odd tables
    at once: 0.5 to 3 s a test on our machine, as each truncated table and index gets a
    new file. Here it deletes the rows of the tables that have any (a few, a few hundred
    rows each) in one transaction: every foreign key Django makes is checked at commit
    (DEFERRABLE INITIALLY DEFERRED), the project has no triggers, and sequences are not
    reset by either (``reset_sequences=False``, as TransactionTestCase flushes); a
    few milliseconds. A flush that resets sequences, or another database, is Django's."""
    from django.core.management.commands import flush

    django_sql_flush = flush.sql_flush

    def sql_flush(style, connection, reset_sequences=True, allow_cascade=False):
        if reset_sequences or connection.vendor != "postgresql":
            return django_sql_flush(
                style, connection, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        # The table names are Django's own, quoted: no input of anyone's.
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(table)})"  # noqa: S608
                    for table in tables
                ),
                tables,
            )
            filled = [table for (table,) in cursor.fetchall()]
        # At least one statement, as Django's flush always has: an empty list would skip
        # the post_migrate signal that puts the content types and permissions back.
        return [f"DELETE FROM {quote(table)};" for table in filled or tables[:1]]  # noqa: S608

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flush, "sql_flush", sql_flush)
        yield


@pytest.fixture(autouse=True)
def _unscoped_test_code():
    """Test bodies set up and inspect data across organisations; the code under test
    (views, middleware) still runs in its own scope."""
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _default_sla_policies(request):
    """Transactional tests end by flushing every table, which also removes the default
    tiers and policies that a data migration created; put them back for the next one.
    (pytest-django runs the tests in a database transaction before any that flush.)"""
    marker = request.node.get_closest_marker("django_db")
    uses = {"transactional_db", "live_server", "celery_worker"} & set(request.fixturenames)
    if (marker and marker.kwargs.get("transaction")) or uses:
        request.getfixturevalue("transactional_db")
        from django.apps import apps

        if not SupportTier.objects.exists():
            defaults = importlib.import_module("sla.migrations.0002_default_policies")
            defaults.create_defaults(apps, None)
    yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the dashboard keeps its period figures in
    it between summary refreshes, the workspace its queue counts)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(params=["memory", "redis"])
def shared_cache(request, settings):
    """Django's cache in each process's memory (the default), or the shared Redis of
    production (CACHE_URL), in a database of its own: yields Redis's address, or None.

    That database is the one after the broker's in REDIS_URL (0 → 1), and it is emptied:
    checkouts sharing a server keep to their own two (README, "Two commands")."""
    from django.core.cache import cache

    location = None
    if request.param == "redis":
        url = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
        broker_database = int(url.path.strip("/") or 0)
        location = urlunsplit(url._replace(path=f"/{broker_database + 1}"))
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": location,
            }
        }
        cache.clear()
    yield location
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing with the production hasher costs about 0.2 s a user; tests need no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Personas:
    org_a: Organization
    org_b: Organization
    admin_a: User  # customer administrator of A
    user_a: User  # plain customer user of A
    admin_b: User  # customer administrator of B
    agent: User
    manager: User
    administrator: User


@pytest.fixture
def personas(db) -> Personas:
    manager = factories.ManagerFactory(full_name="Mona Manager")
    org_a = factories.OrganizationFactory(name="Acme Manufacturing", code="ACME", cem=manager)
    org_b = factories.OrganizationFactory(name="Globex Logistics", code="GLBX", cem=manager)
    return Personas(
        org_a=org_a,
        org_b=org_b,
        admin_a=factories.customer(org_a, admin=True, full_name="Alice Admin"),
        user_a=factories.customer(org_a, full_name="Arthur User"),
        admin_b=factories.customer(org_b, admin=True, full_name="Bob Globex"),
        agent=factories.StaffFactory(full_name="Agnes Agent"),
        manager=manager,
        administrator=factories.AdministratorFactory(full_name="Adam Administrator"),
    )


@pytest.fixture
def agent_client(client, personas):
    client.force_login(personas.agent)
    return client


# --- Support contracts, tickets and the clock ------------------------------------------


@pytest.fixture
def contracts(personas) -> dict:
    """ACME on Privilege (S1: first response in 2 hours around the clock, updates every
    2 hours, triage in 15 minutes after hours), GLBX on Standard; licence keys KEY-ACME
    and KEY-GLBX, portal and email but no phone support; both cover Ledgerline ERP 8.1,
    ``contracts["version"]``.

    Valid from 1 January 2026 to 335 days from today: both the fixed instants of 2026
    that clock tests travel to and the day the suite runs fall inside."""
    version = ProductVersion.objects.create(
        product=Product.objects.create(name="Ledgerline ERP"), version="8.1"
    )
    made = {"version": version}
    for organization, tier in ((personas.org_a, "privilege"), (personas.org_b, "standard")):
        contract = Contract.objects.create(
            organization=organization,
            tier=SupportTier.objects.get(slug=tier),
            valid_from=dt.date(2026, 1, 1),
            valid_to=timezone.localdate() + dt.timedelta(days=335),
            licence_key=f"KEY-{organization.code}",
        )
        contract.covered_versions.add(version)
        made[organization.code] = contract
    return made


@pytest.fixture
def make_ticket(personas, contracts):
    """``make_ticket(severity="S2")``: a ticket on Ledgerline ERP 8.1 through intake, of
    Alice (ACME) unless ``requester=`` says whose, logged by its requester unless
    ``actor=`` says who."""

    def make(*, requester=None, severity="S1", type="incident", **extra):
        requester = requester or personas.admin_a
        return intake.ticket_create(
            extra.pop("actor", requester),
            organization=requester.membership.organization,
            requester=requester,
            title=extra.pop("title", "Invoices cannot be posted"),
            description=extra.pop("description", "Posting fails with error 500."),
            type=type,
            severity=severity,
            business_impact=extra.pop("business_impact", "Month-end close is blocked."),
            product_version=extra.pop("product_version", contracts["version"]),
            **extra,
        )

    return make


@pytest.fixture
def at(time_machine):
    """Stop the clock at an instant: ``at(local(25, 10))``."""

    def move(instant: dt.datetime) -> dt.datetime:
        time_machine.move_to(instant, tick=False)
        return instant

    return move


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a temporary folder, never into the working tree."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


@dataclass
class S3Server:
    """moto's S3 API server, in a process of its own: ``endpoint`` and a boto3 ``client``."""

    endpoint: str
    client: Any

    def new_bucket(self) -> str:
        name = f"helpdesk-{uuid.uuid4().hex[:12]}"
        self.client.create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=bucket)
        return [item["Key"] for item in listed.get("Contents", [])]


# moto accepts any credentials; they only have to be there.
S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """An S3 API server started for this run (moto's server mode) on a free port, each
    test making buckets of its own in it; stopped at the end of the run."""
    import boto3

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                client.list_buckets()
                break
            except Exception:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield S3Server(endpoint=endpoint, client=client)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_media(settings, s3_server) -> str:
    """Uploaded files go to a new bucket of the S3 server, through django-storages as
    production has it with AWS_STORAGE_BUCKET_NAME (helpdesk.settings); yields its name.
    Changing STORAGES makes Django build the default storage anew."""
    bucket = s3_server.new_bucket()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server.endpoint,
                "region_name": "us-east-1",
                "addressing_style": "path",
                "access_key": S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                "secret_key": S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                "default_acl": None,
                "signature_version": "s3v4",
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": False,
            },
        },
    }
    return bucket


# --- Celery: a real worker thread consuming from the real Redis broker ---------------


@pytest.fixture
def celery_worker(transactional_db) -> Iterator:
    from celery.contrib.testing.worker import start_worker

    from helpdesk.celery import app

    app.control.purge()  # messages left by an earlier, interrupted run are not ours
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield app


@pytest.fixture
def eager_celery() -> Iterator:
    """Tasks run in-process at .delay(): the send happens inside the test's on-commit
    callbacks. Tests about the broker use the real ``celery_worker`` instead."""
    from helpdesk.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


# --- Browser: Debian's Chromium driven by Playwright ---------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    # Reduced motion: Bootstrap skips its fades, so checks never see a half-shown modal.
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        reduced_motion="reduce",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    yield page
    context.close()
    # A CSP violation or a script error in any page is a failure of that test.
    assert not errors, f"browser reported errors: {errors}"


def wait_for(predicate, timeout: float = 30.0) -> bool:
    """Poll for work done by a real worker in another thread or process (which commits
    on its own connection); True as soon as ``predicate()`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def sign_in(page, user: User, password: str = factories.DEFAULT_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


# --- Single sign-on ---------------------------------------------------------------------


@dataclass
class SamlIdentityProvider:
    """The SAML identity provider of tests/accounts/saml_idp.py (pysaml2), in a process of
    its own: its ``base`` URL, ``entity_id`` and ``metadata_url``; ``register(metadata)``
    registers a service provider's metadata with it. ``certificate`` is the file of its
    signing certificate, which is also its TLS one over https (self-signed: trusted by
    ``verify``)."""

    base: str
    certificate: str

    @property
    def entity_id(self) -> str:
        return f"{self.base}/metadata"

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/metadata"

    @property
    def verify(self):
        import ssl

        https = self.base.startswith("https:")
        return ssl.create_default_context(cafile=self.certificate) if https else True

    def metadata(self) -> str:
        import httpx

        answer = httpx.get(self.metadata_url, timeout=60, verify=self.verify)
        answer.raise_for_status()
        return answer.text

    def signing_certificate(self) -> str:
        """Its signing certificate, PEM."""
        return Path(self.certificate).read_text()

    def register(self, sp_metadata: bytes) -> None:
        import httpx

        httpx.post(
            f"{self.base}/sp", content=sp_metadata, timeout=60, verify=self.verify
        ).raise_for_status()


def _saml_idp(workdir: Path, *args: str) -> Iterator[SamlIdentityProvider]:
    script = os.path.join(os.path.dirname(__file__), "accounts", "saml_idp.py")
    errors = workdir / "stderr.txt"
    with errors.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, script, str(workdir), *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        first = process.stdout.readline() if process.stdout else ""
        if not first.startswith("READY "):
            process.wait(timeout=10)
            raise RuntimeError(f"the SAML identity provider did not start: {errors.read_text()}")
        yield SamlIdentityProvider(base=first.split()[1], certificate=str(workdir / "idp.crt"))
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory) -> Iterator[SamlIdentityProvider]:
    """A SAML 2.0 identity provider started for this run, with a signing key and
    certificate made for it; stopped at the end of the run."""
    yield from _saml_idp(tmp_path_factory.mktemp("saml_idp"))


@pytest.fixture(scope="session")
def saml_idp_https(tmp_path_factory) -> Iterator[SamlIdentityProvider]:
    """The same identity provider over https (its certificate is ``.certificate``), as
    the customer administrator's page accepts one."""
    yield from _saml_idp(tmp_path_factory.mktemp("saml_idp_https"), "--https")
