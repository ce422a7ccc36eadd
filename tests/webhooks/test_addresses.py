"""The SSRF guard: an endpoint must be on the internet, over https, unless the setting
for closed networks and tests allows private addresses."""

import pytest
from django.core.exceptions import ValidationError

from webhooks import addresses


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://localhost:8000/hooks",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://192.168.1.10/",
        "https://169.254.169.254/latest/meta-data/",  # the cloud's metadata service
        "https://100.64.0.1/",  # shared address space
        "https://0.0.0.0/",
        "https://[::1]/",
        "https://[fe80::1]/",
        "https://[fd00::1]/",
        "https://[::ffff:127.0.0.1]/",  # IPv4 loopback written as IPv6
        "https://224.0.0.1/",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError) as refused:
        addresses.check(url)
    assert refused.value.code == "private"


@pytest.mark.parametrize(
    "url, code",
    [
        ("http://93.184.215.14/", "scheme"),
        ("ftp://93.184.215.14/", "scheme"),
        ("https:///nohost", "host"),
        ("https://93.184.215.14:99999/", "port"),
        ("https://no-such-host.invalid/", "resolve"),
    ],
)
def test_other_unusable_urls_are_refused_with_their_reason(settings, url, code):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError) as refused:
        addresses.check(url)
    assert refused.value.code == code


def test_a_public_address_is_accepted(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    addresses.check("https://93.184.215.14/hooks")
    addresses.check("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:8443/")


def test_the_setting_for_closed_networks_allows_them_and_plain_http(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    addresses.check("http://127.0.0.1:8080/hooks")
    addresses.check("https://10.1.2.3/")


def test_a_delivery_to_a_name_that_now_resolves_privately_is_not_sent(
    settings, personas, make_ticket, django_capture_on_commit_callbacks, eager_celery
):
    """Checked again before every attempt: a name may resolve elsewhere since."""
    from webhooks import services
    from webhooks.models import Delivery

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    services.endpoint_create(
        personas.admin_a, organization=personas.org_a, url="https://localhost:9/",
        events=["ticket.created"],
    )  # fmt: skip
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket()
    delivery = Delivery.objects.get()
    assert delivery.attempts == 1 and delivery.response_status is None
    assert delivery.last_error.startswith("Not sent: localhost is a private or local address")
