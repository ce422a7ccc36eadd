"""Fixtures of the tests that start the app's processes themselves (scale-out, backups)."""

from collections.abc import Iterator

import pytest

from tests.conftest import S3_CREDENTIALS


@pytest.fixture(params=["disk", "s3"])
def attachment_store(request, tmp_path) -> Iterator[dict[str, str]]:
    """Where the app's processes keep attachments, as environment variables: a folder
    (MEDIA_ROOT), or a new bucket of the run's S3 server (AWS_STORAGE_BUCKET_NAME and
    the settings that find it)."""
    if request.param == "disk":
        yield {"MEDIA_ROOT": str(tmp_path / "media")}
        return
    s3_server = request.getfixturevalue("s3_server")
    yield {
        "AWS_STORAGE_BUCKET_NAME": s3_server.new_bucket(),
        "AWS_S3_ENDPOINT_URL": s3_server.endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_DEFAULT_REGION": "us-east-1",  # for the aws command line (bin/backup)
        **S3_CREDENTIALS,
    }
