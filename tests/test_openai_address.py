"""The `openai` engine's base URL: loopback only unless allowed, resolved once, no credentials in it."""

from __future__ import annotations

import socket

import pytest

from jobs.engines.openai_server.address import check_base_url, is_loopback
from jobs.errors import ConfigError, UsageError


@pytest.mark.parametrize(
    "url, addresses",
    [
        ("http://127.0.0.1:11434/v1", ["127.0.0.1"]),
        ("http://127.9.8.7:8080/v1/", ["127.9.8.7"]),  # all of 127.0.0.0/8 is loopback
        ("http://[::1]:8000/v1", ["::1"]),
        ("http://[::ffff:127.0.0.1]:8000/v1", ["::ffff:127.0.0.1"]),
    ],
)
def test_loopback_addresses_are_taken(url: str, addresses: list[str]) -> None:
    address = check_base_url(url, allow_remote=False)
    assert [sockaddr[0] for _, sockaddr in address.addresses] == addresses
    assert not address.remote
    assert address.url == url.rstrip("/") and address.path == "/v1"


def test_localhost_is_taken_with_every_address_it_resolves_to() -> None:
    address = check_base_url("http://localhost:11434/v1", allow_remote=False)
    found = {sockaddr[0] for _, sockaddr in address.addresses}
    assert found and found <= {"127.0.0.1", "::1"}, found
    assert address.host == "localhost" and address.port == 11434


@pytest.mark.parametrize(
    "url",
    [
        "http://192.168.1.20:11434/v1",  # a machine on the local network
        "http://10.0.0.1/v1",
        "https://8.8.8.8/v1",
        "http://[2001:db8::1]:8000/v1",
        "http://[::ffff:10.0.0.1]:8000/v1",  # an IPv4-mapped address that is not loopback
        "http://[fe80::1%25lo]:8000/v1",  # link-local is still the network
    ],
)
def test_an_address_off_this_machine_is_a_usage_error_unless_allowed(url: str) -> None:
    with pytest.raises(UsageError, match="not on this machine.*--allow-remote-server"):
        check_base_url(url, allow_remote=False)
    assert check_base_url(url, allow_remote=True).remote


@pytest.mark.parametrize("url", ["http://0.0.0.0:11434/v1", "http://[::]:8000/v1"])
def test_the_any_address_is_refused_even_when_remote_servers_are_allowed(url: str) -> None:
    with pytest.raises(ConfigError, match="use 127.0.0.1"):
        check_base_url(url, allow_remote=True)


@pytest.mark.parametrize(
    "url, words",
    [
        ("ftp://127.0.0.1/v1", "http:// or https://"),
        ("127.0.0.1:11434/v1", "http:// or https://"),
        ("http:///v1", "http:// or https://"),
        ("http://user:secret@127.0.0.1:8000/v1", "user name or password"),
        ("http://127.0.0.1:99999/v1", "port"),
        ("http://127.0.0.1:8000/v1?key=secret", "query"),
        ("http://127.0.0.1:8000/v1 ", "spaces"),
        ("http://no-such-host.invalid/v1", "cannot resolve no-such-host.invalid"),
    ],
)
def test_a_url_that_cannot_be_a_base_url_is_refused(url: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words) as refused:
        check_base_url(url, allow_remote=True)
    assert "secret" not in str(refused.value)


def _answers(*addresses: str):  # type: ignore[no-untyped-def]
    """What getaddrinfo gives for a name with these addresses (IPv4 and IPv6 alike)."""

    def resolve(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        return [
            (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in addresses
        ]

    return resolve


def test_a_name_that_resolves_to_loopback_and_to_another_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _answers("127.0.0.1", "203.0.113.7"))
    with pytest.raises(UsageError, match=r"llm\.example resolves to 203\.0\.113\.7"):
        check_base_url("http://llm.example:8000/v1", allow_remote=False)


def test_a_name_is_resolved_once_and_its_addresses_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _answers("::1", "127.0.0.1", "::1"))
    address = check_base_url("http://llm.example:8000/v1", allow_remote=False)
    assert [sockaddr[0] for _, sockaddr in address.addresses] == ["::1", "127.0.0.1"]
    assert address.host == "llm.example"


def test_is_loopback() -> None:
    import ipaddress

    assert is_loopback(ipaddress.ip_address("127.255.0.1"))
    assert is_loopback(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert not is_loopback(ipaddress.ip_address("::ffff:192.168.0.1"))
    assert not is_loopback(ipaddress.ip_address("0.0.0.0"))


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost%00.example.org:11434/v1",  # the resolver reads up to the NUL: localhost
        "http://localhost%00%0d%0ax-forwarded-host%3a%20example.org:11434/v1",  # and a header line after it
        "http://127.0.0.1%09:11434/v1",
        "http://local%20host:11434/v1",
    ],
)
def test_a_host_with_a_control_character_written_with_percent_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match=r"the host has a space or control character \(written with %\)"):
        check_base_url(url, allow_remote=True)


@pytest.mark.parametrize("url", ["http://127.0.0.1:0/v1", "http://[::1]:0/v1"])
def test_port_0_is_refused_not_taken_for_the_scheme_s(url: str) -> None:
    with pytest.raises(ConfigError, match="the port is not a number from 1 to 65535"):
        check_base_url(url, allow_remote=False)
