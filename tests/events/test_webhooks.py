"""Webhook building blocks: where a delivery may go (events.webhooks.addresses) and its signed
request, checked by the Standard Webhooks library's own verifier (events.webhooks.signing)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from audit.events import as_json
from audit.services import record
from events.webhooks.addresses import AddressRefused, check, is_public
from events.webhooks.signing import CONTENT_TYPE, new_secret, signed

PRIVATE = ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254",
           "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "::1", "fe80::1%eth0",
           "fd00::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::"]
PUBLIC = ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


def answering(*addresses: str):
    return lambda host, port: list(addresses)


@pytest.mark.parametrize("address", PRIVATE)
def test_private_loopback_link_local_and_metadata_addresses_are_refused(address):
    assert not is_public(address)
    host = f"[{address.split('%')[0]}]" if ":" in address else address
    with pytest.raises(AddressRefused, match="not a public address"):
        check(f"https://{host}/hook", resolver=answering(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_accepted(address):
    assert is_public(address)
    assert check("https://hooks.example.com/x", resolver=answering(address)) == [address]


def test_every_address_a_name_resolves_to_must_be_public():
    with pytest.raises(AddressRefused, match=r"10\.0\.0\.7"):
        check("https://rebind.example.com/", resolver=answering("93.184.216.34", "10.0.0.7"))
    with pytest.raises(AddressRefused, match="no address"):
        check("https://empty.example.com/", resolver=answering())


def test_the_real_resolver_refuses_localhost():
    with pytest.raises(AddressRefused, match=r"127\.0\.0\.1|::1"):
        check("http://localhost:8080/hook")


@pytest.mark.parametrize("url", ["ftp://example.com/x", "https:///x", "example.com/x",
                                 "https://user:pw@example.com/x", "https://example.com:99999/"])
def test_only_plain_http_or_https_urls(url):
    with pytest.raises(AddressRefused):
        check(url, resolver=answering("93.184.216.34"))


def test_the_operator_may_allow_private_addresses(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert check("http://127.0.0.1:9000/hook", resolver=answering("127.0.0.1")) == [
        "127.0.0.1"]


def test_a_secret_is_32_random_bytes():
    one, two = new_secret(), new_secret()
    assert one != two and one.startswith("whsec_")
    assert len(base64.b64decode(one.removeprefix("whsec_"))) == 32


@pytest.mark.django_db
def test_a_delivery_verifies_with_the_standard_webhooks_library_and_nothing_else_does():
    change = record(action="create", object_type="authorisations.authorisation",
                    object_id="7", after={"subject_value": "alice"})
    secret = new_secret()
    delivery = signed(secret, f"chg_{change.pk}", as_json(change))
    assert delivery.headers["Content-Type"] == CONTENT_TYPE
    assert delivery.headers["webhook-id"] == f"chg_{change.pk}"
    event = Webhook(secret).verify(delivery.body, delivery.headers)
    assert event["id"] == f"chg_{change.pk}" and event["type"] == \
        "tessera.authorisation.created"
    for body, key in ((delivery.body.replace(b"alice", b"mallory"), secret),
                      (delivery.body, new_secret())):
        with pytest.raises(WebhookVerificationError):
            Webhook(key).verify(body, delivery.headers)
    stale = signed(secret, "chg_1", delivery.body, at=timezone.now() - timedelta(hours=1))
    with pytest.raises(WebhookVerificationError):  # a replay an hour later is refused
        Webhook(secret).verify(stale.body, stale.headers)
