"""Backups (#24): ``bin/backup`` (pg_dump and the attachment store), then ``bin/restore``
into a new database and a new store, as docs/production.md#backups describes. A process
of the app on the restored copy reads every attachment of the backed-up tickets, and the
next ticket it logs takes the reference after the last one, with no gap."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.notifications.conftest import worker_database_url

ROOT = Path(__file__).resolve().parents[2]

# The app at work: logs tickets through intake, each with a file, then lists every
# attachment with a digest of the file it reads back from the store.
LOG_TICKETS = """
import hashlib
import sys

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from accounts.models import User
from sla.models import ProductVersion
from tickets import intake
from tickets.models import Attachment

with scopes_disabled():
    requester = User.objects.get(email=sys.argv[1])
    for n in range(int(sys.argv[2])):
        ticket = intake.ticket_create(
            requester,
            organization=requester.membership.organization,
            requester=requester,
            title=f"Posting batch {n} times out",
            description="The batch posting stops after two minutes.",
            severity="S3",
            product_version=ProductVersion.objects.get(),
            attachments=[SimpleUploadedFile(
                f"batch-{n}.log", f"batch {n} timed out\\n".encode() * 100, "text/plain"
            )],
        )
        print("logged", ticket.reference)
    for attachment in Attachment.objects.select_related("ticket").order_by("pk"):
        with attachment.file.open("rb") as stored:
            digest = hashlib.sha256(stored.read()).hexdigest()
        print("file", attachment.ticket.reference, attachment.filename, digest)
"""


def run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def log_tickets(email: str, count: int, env: dict[str, str]) -> tuple[list[str], list[str]]:
    """Run the app on ``env``'s database and store: the references it logged, and a line
    per attachment it read back (reference, file name, digest)."""
    output = run([sys.executable, "-c", LOG_TICKETS, email, str(count)], env).splitlines()
    logged = [line.split()[1] for line in output if line.startswith("logged ")]
    files = [line.removeprefix("file ") for line in output if line.startswith("file ")]
    return logged, files


def server_url(database_url: str, name: str) -> str:
    return urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_new_database_keeps_files_and_references_going(
    personas, contracts, attachment_store, tmp_path, request
):
    if "AWS_STORAGE_BUCKET_NAME" in attachment_store and shutil.which("aws") is None:
        pytest.skip("the aws command line (for the bucket's copy) is not installed")
    app = {
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": "memory://",  # the events wait in the database; no worker here
        **attachment_store,
    }
    email = personas.admin_a.email
    logged, files = log_tickets(email, 3, app)
    assert logged == ["ACME-1", "ACME-2", "ACME-3"]
    assert len(files) == 3

    backup = tmp_path / "backup"
    run([str(ROOT / "bin" / "backup"), str(backup)], app)
    assert (backup / "database.dump").stat().st_size > 0
    assert len([p for p in (backup / "attachments").rglob("*") if p.is_file()]) == 3

    # A new database on the same server, and a new store: another machine's.
    name = f"helpdesk_restore_{secrets.token_hex(4)}"
    restored = {
        **app,
        "DATABASE_URL": server_url(app["DATABASE_URL"], name),
        "PYTHON": sys.executable,
    }
    if "AWS_STORAGE_BUCKET_NAME" in attachment_store:
        restored["AWS_STORAGE_BUCKET_NAME"] = request.getfixturevalue("s3_server").new_bucket()
    else:
        restored["MEDIA_ROOT"] = str(tmp_path / "restored-media")
    with psycopg.connect(server_url(app["DATABASE_URL"], "postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            output = run([str(ROOT / "bin" / "restore"), str(backup)], restored)
            assert "System check identified no issues" in output

            logged_after, files_after = log_tickets(email, 1, restored)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # The restored tickets' files read back the same; the numbering goes on.
    assert logged_after == ["ACME-4"]
    assert files_after[:3] == files
    assert files_after[3].startswith("ACME-4 batch-0.log ")


def test_the_commands_the_docs_show_are_the_scripts():
    """docs/production.md#backups shows what bin/backup and bin/restore run."""
    section = (ROOT / "docs" / "production.md").read_text().split("\n## Backups\n")[1]
    scripts = (ROOT / "bin" / "backup").read_text() + (ROOT / "bin" / "restore").read_text()
    shown = [line for line in section.splitlines() if line.startswith(("pg_dump ", "pg_restore "))]
    assert len(shown) == 2
    for line in shown + [
        'cp -a "$MEDIA_ROOT/." "$BACKUP/attachments/"',
        'cp -a "$BACKUP/attachments/." "$MEDIA_ROOT/"',
        "manage.py migrate --no-input",
        "manage.py check --database default",
    ]:
        assert line in section, line
        assert line in scripts, line
