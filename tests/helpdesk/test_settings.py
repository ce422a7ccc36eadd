import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

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
