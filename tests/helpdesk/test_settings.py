import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import S3_CREDENTIALS

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k7#v2p!x9q@m4z$w8r%t6y^u3i&o1p*a5s(d0f)g-h_j+k=l;Zx8QwErTy",
    "ALLOWED_HOSTS": "support.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/helpdesk",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
    "ANYMAIL_POSTMARK_SERVER_TOKEN": "server-token",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Only what a production host would have: none of the test run's relaxations.
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_reports_nothing_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_compose_file_names_every_service_the_readme_promises():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert {"db", "redis", "web", "worker", "beat", "mail"} <= set(compose["services"])
    assert "gunicorn" in " ".join(compose["services"]["web"]["command"])
    assert "shared_buffers=${POSTGRES_SHARED_BUFFERS:-1GB}" in compose["services"]["db"]["command"]
    # The database image carries the rum extension of its own major version.
    database = (ROOT / compose["services"]["db"]["build"] / "Dockerfile").read_text()
    major = re.search(r"^FROM postgres:(\d+)\.", database, re.MULTILINE).group(1)
    assert f"postgresql-{major}-rum" in database
    readme = (ROOT / "README.md").read_text()
    assert "docker compose up" in readme
    assert (ROOT / "Dockerfile").is_file()


STORAGE_REPORT = """
import json
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

report = {"default": settings.STORAGES["default"]}
if settings.AWS_STORAGE_BUCKET_NAME:
    name = default_storage.save("attachments/1/settings-test", ContentFile(b"stored"))
    report["name"] = name
    report["read"] = default_storage.open(name).read().decode()
    report["url"] = default_storage.url(name)
print("REPORT " + json.dumps(report))
"""


def _storage_report(env: dict[str, str]) -> dict:
    result = _manage("shell", "-c", STORAGE_REPORT, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("REPORT "))
    return json.loads(line.removeprefix("REPORT "))


def test_without_a_bucket_attachments_stay_on_the_disk():
    report = _storage_report(PRODUCTION_ENV)
    assert report["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_with_a_bucket_attachments_go_to_it_private_and_never_overwritten(s3_server):
    bucket = s3_server.new_bucket()
    env = {
        **PRODUCTION_ENV,
        **S3_CREDENTIALS,
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": s3_server.endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
    }
    report = _storage_report(env)
    default = report["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == bucket
    assert options["endpoint_url"] == s3_server.endpoint
    assert options["addressing_style"] == "path"
    assert options["default_acl"] is None and options["file_overwrite"] is False
    assert options["querystring_auth"] is True and options["querystring_expire"] == 60
    # The secret is not a setting (Django's error pages and settings dumps never show it).
    assert "testing" not in json.dumps(default)

    # Written to the bucket and read back through the settings as production has them.
    assert report["read"] == "stored"
    assert s3_server.keys(bucket) == [report["name"]]
    grants = s3_server.client.get_object_acl(Bucket=bucket, Key=report["name"])["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner alone
    assert "X-Amz-Expires=60" in report["url"] and "X-Amz-Signature=" in report["url"]


def test_compose_keeps_the_attachments_in_its_own_private_s3_server():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"minio", "minio-init"} <= set(services)
    assert "ports" not in services["minio"]  # only the app reaches it: downloads stream
    bucket = services["web"]["environment"]["AWS_STORAGE_BUCKET_NAME"]
    made = services["minio-init"]["command"][0]
    assert f"mc mb --ignore-existing local/{bucket}" in made
    assert f"mc anonymous set none local/{bucket}" in made
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["AWS_STORAGE_BUCKET_NAME"] == bucket
        assert environment["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
        assert (
            environment["AWS_SECRET_ACCESS_KEY"]
            == services["minio"]["environment"]["MINIO_ROOT_PASSWORD"]
        )
        condition = services[name]["depends_on"]["minio-init"]["condition"]
        assert condition == "service_completed_successfully"
