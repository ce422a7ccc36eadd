"""The API's tests: a test client that sends a person's token."""

import pytest

from api import services


@pytest.fixture
def api(client):
    """``api(user).get(url)``: the test client with a fresh token of ``user``, read and
    write unless ``scope="read"``."""

    class Api:
        def __init__(self, user, scope="write"):
            _, raw = services.api_token_create(user, name="tests", scope=scope)
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

        def get(self, url, data=None, **extra):
            return client.get(url, data, **self.headers, **extra)

        def post(self, url, data=None, **extra):
            return client.post(url, data, content_type="application/json", **self.headers, **extra)

        def upload(self, url, data, **extra):
            """A multipart/form-data POST, as a file is sent."""
            return client.post(url, data, **self.headers, **extra)

    return Api
