"""docs/webhooks.md's signature check, run as written against a real delivery."""

import re
import time
from pathlib import Path

import pytest

from webhooks import signing

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


@pytest.fixture
def verify():
    [code] = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify"]


def test_the_documented_check_accepts_a_delivery_and_refuses_a_forgery(
    verify, receiver, endpoint_for, delivered, make_ticket
):
    endpoint = endpoint_for(receiver.url)
    with delivered():
        make_ticket()
    [got] = receiver.received
    header = got.headers["X-Helpdesk-Signature"]

    assert verify(endpoint.secret, header, got.body)
    assert not verify("whsec_another", header, got.body)
    assert not verify(endpoint.secret, header, got.body + b" ")
    assert not verify(endpoint.secret, "t=1,v1=00", got.body)
    assert not verify(endpoint.secret, "nonsense", got.body)


def test_the_documented_check_refuses_an_old_message_replayed(verify):
    body = b'{"type": "ping"}'
    old = int(time.time()) - 301
    header = signing.signature(secret="whsec_x", timestamp=old, body=body)
    assert not verify("whsec_x", header, body)
    fresh = signing.signature(secret="whsec_x", timestamp=int(time.time()), body=body)
    assert verify("whsec_x", fresh, body)
