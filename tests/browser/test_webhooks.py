"""A customer administrator adds a webhook endpoint, copies its secret once, sends a
test event through a real worker and sees the receiver's answer; on a phone too."""

import hashlib
import hmac
import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tests.webhooks.conftest import Receiver, free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def running_receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    receiver = Receiver(port=free_port(), answer=b'{"received": "thanks"}')
    receiver.start()
    yield receiver
    receiver.stop()


def test_a_customer_administrator_adds_an_endpoint_and_sees_a_test_event_delivered(
    page, personas, running_receiver, celery_worker
):
    sign_in(page, personas.admin_a)
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("URL").fill(running_receiver.url)
    page.get_by_label("Description").fill("Ops chat")
    page.get_by_label("Public reply").check()
    assert page.get_by_label("SLA target about to be missed").count() == 0
    assert_accessible(page)
    page.get_by_role("button", name="Add the endpoint").click()

    secret = page.get_by_label("The secret").input_value()
    assert secret.startswith("whsec_")
    assert_accessible(page)
    page.get_by_role("button", name="Send a test event").click()
    for _ in range(50):
        if page.get_by_text("Delivered · 200").count():
            break
        time.sleep(0.2)
        page.reload()
    expect(page.get_by_text("Delivered · 200")).to_be_visible()
    assert page.get_by_label("The secret").count() == 0  # shown once
    page.get_by_text("What was sent and answered").click()
    expect(page.get_by_text('{"received": "thanks"}')).to_be_visible()
    assert_accessible(page)

    [got] = running_receiver.received
    timestamp, signature = re.fullmatch(
        r"t=(\d+),v1=([0-9a-f]{64})", got.headers["X-Helpdesk-Signature"]
    ).groups()
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + got.body, hashlib.sha256)
    assert hmac.compare_digest(expected.hexdigest(), signature)


def test_the_endpoint_page_fits_a_phone(page, personas, running_receiver):
    from webhooks import services

    endpoint = services.endpoint_create(
        personas.admin_a, organization=personas.org_a, url=running_receiver.url,
        events=["ticket.created"], description="Ops chat",
    )  # fmt: skip
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, personas.admin_a)
    page.goto(f"/webhooks/{endpoint.pk}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide on a 375px phone"
    expect(page.get_by_role("button", name="Send a test event")).to_be_visible()
    assert_accessible(page)
