"""Where the `openai` engine may connect: a base URL checked, and the addresses it resolves to pinned.

The job promises no network: a server must be on this machine (a loopback address) unless the
user allows a remote one. A host name is resolved once, here; every address it resolves to must be
loopback (a name that resolves to a loopback address and to another is refused), and the client
connects to those addresses only, so a name cannot resolve to one thing when checked and another
when used.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ...errors import ConfigError, UsageError

#: The flag that allows a server that is not on this machine.
ALLOW_REMOTE_FLAG = "--allow-remote-server"

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ServerAddress:
    """A checked base URL: where to connect (the addresses resolved once) and what to ask for."""

    #: The base URL as records and messages show it, without a trailing slash.
    url: str
    scheme: str
    #: The host as written (the Host header, and the name a TLS certificate must have).
    host: str
    port: int
    #: The path before `/chat/completions` and `/models` (`/v1`), without a trailing slash.
    path: str
    #: The (family, socket address) pairs to connect to, in the resolver's order.
    addresses: tuple[tuple[int, tuple], ...]
    #: Whether any of them is not a loopback address (allowed only with ALLOW_REMOTE_FLAG).
    remote: bool


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) is not part of it
    except ValueError:
        return None


def is_loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether the address is this machine's loopback (127.0.0.0/8, ::1, and ::ffff:127.x.x.x)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def check_base_url(url: str, allow_remote: bool) -> ServerAddress:
    """The server at `url`, resolved and checked; UsageError for a remote one not allowed, ConfigError for a bad URL."""
    parts = _split(url)
    host = unquote(parts.hostname or "")  # an IPv6 zone is written %25 in a URL: [fe80::1%25eth0]
    if any(character.isspace() or ord(character) < 32 or ord(character) == 127 for character in host):
        # %00 would cut the name short for the resolver (localhost%00.example.org resolves as localhost),
        # and %0d%0a would end the Host header's line.
        raise ConfigError(f"--server-url {url!r}: the host has a space or control character (written with %)")
    try:
        port = parts.port if parts.port is not None else _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:  # port 0 is no server's; urlsplit takes it
        raise ConfigError(f"--server-url {url!r}: the port is not a number from 1 to 65535")
    literal = _ip(host)
    if literal is not None and literal.is_unspecified:
        # 0.0.0.0 and :: are what a server listens on, not addresses to connect to.
        raise ConfigError(
            f"--server-url {url!r}: {host} means every address of a server, not one to connect to; "
            "use 127.0.0.1 (or [::1]) for a server on this machine"
        )
    addresses = _resolve(url, host, port)
    found = [_ip(str(address[1][0])) for address in addresses]
    remote = [str(ip) for ip in found if ip is None or not is_loopback(ip)]
    if remote and not allow_remote:
        named = "" if literal is not None else f" ({host} resolves to {', '.join(dict.fromkeys(remote))})"
        raise UsageError(
            f"--server-url {url}: the server is not on this machine{named}, and digest makes no network "
            f"connection unless told to: give {ALLOW_REMOTE_FLAG} to use it"
        )
    path = parts.path.rstrip("/")
    shown = f"{parts.scheme}://{parts.netloc}{path}"
    return ServerAddress(shown, parts.scheme, host, port, path, tuple(addresses), bool(remote))


def _split(url: str):  # type: ignore[no-untyped-def]
    """The URL's parts; ConfigError for one digest cannot use as a base URL."""
    if any(character.isspace() or ord(character) < 32 for character in url):
        raise ConfigError(f"--server-url {url!r}: a URL has no spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ConfigError(f"--server-url {url!r}: give an http:// or https:// URL, e.g. http://127.0.0.1:11434/v1")
    if parts.username is not None or parts.password is not None:
        # A URL is shown in messages and kept in records; a password in it would be too.
        raise ConfigError(
            "--server-url: a user name or password in the URL is refused (it would be shown and recorded); "
            "give an API key in the DIGEST_OPENAI_API_KEY environment variable instead"
        )
    if parts.query or parts.fragment:
        # Not quoted back: a query is where a key would be.
        raise ConfigError("--server-url: give the URL without a query (?) or fragment (#)")
    return parts


def _resolve(url: str, host: str, port: int) -> list[tuple[int, tuple]]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise ConfigError(f"--server-url {url}: cannot resolve {host} ({error})") from None
    unique: list[tuple[int, tuple]] = list(
        dict.fromkeys((int(family), tuple(address)) for family, _, _, _, address in found)
    )
    if not unique:
        raise ConfigError(f"--server-url {url}: {host} resolves to no address")
    return unique
