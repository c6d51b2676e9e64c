"""digitnet.web.classroom: loopback addresses, the page's address for a class, who may train."""

from __future__ import annotations

import ipaddress

import pytest

from digitnet.web.classroom import TrainingAccess, is_loopback, lan_address, page_url
from digitnet.web.errors import ApiError


@pytest.mark.parametrize("host,loopback", [
    ("127.0.0.1", True), ("127.5.6.7", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False),
    ("my-laptop.local", False),
])
def test_loopback_addresses(host, loopback):
    assert is_loopback(host) is loopback


def test_training_is_open_on_loopback_and_needs_a_token_elsewhere():
    assert TrainingAccess.choose("127.0.0.1") == TrainingAccess("open")
    assert TrainingAccess.choose("127.0.0.1", train=False).mode == "off"
    one, two = TrainingAccess.choose("0.0.0.0"), TrainingAccess.choose("0.0.0.0")
    assert one.mode == two.mode == "token" and one.token != two.token and len(one.token) >= 8
    one.check(one.token)
    TrainingAccess("open").check(None)
    for access, given, words in ((one, None, "got no token"), (one, two.token, "a wrong token"),
                                 (TrainingAccess("off"), one.token, "turned off")):
        with pytest.raises(ApiError) as e:
            access.check(given)
        assert e.value.status == 403 and words in e.value.message


def test_the_page_address_for_every_network_is_this_machines_on_the_lan():
    found = lan_address()
    assert found is None or not ipaddress.ip_address(found).is_loopback
    assert page_url("0.0.0.0", 8000) == (found and f"http://{found}:8000/")  # (no loopback)
    assert page_url("192.168.3.4", 81) == "http://192.168.3.4:81/"
    assert page_url("fe80::1", 81) == "http://[fe80::1]:81/"
