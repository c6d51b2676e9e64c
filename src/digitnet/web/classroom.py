"""A class in one room: the address students type on their phones, its QR code, and who may train.

``digitnet serve --host 0.0.0.0`` listens on every network the machine is on. Students need the
machine's address on the room's network: :func:`lan_address` asks the operating system which
address it would send from (a UDP socket "connected" to a private address sends nothing, so no
internet is needed), and :func:`qr_code` draws the page's address as a QR code of text blocks.

Forty students must not restart or cancel each other's training runs, so :class:`TrainingAccess`
says who may start and stop them: anyone (``"open"``, the default on 127.0.0.1, where only this
machine connects), whoever has the token printed at start (``"token"``, the default on any other
address; the page asks for it and sends it as the ``X-Digitnet-Token`` header), or nobody
(``"off"``, ``digitnet serve --no-train``). The token is read aloud and typed on phones, often
into a masked field: it is made of :data:`TOKEN_ALPHABET`, lower-case letters and digits with no
look-alikes (no 0/o, 1/l/i) and no punctuation, and compared ignoring case and surrounding spaces.
"""

from __future__ import annotations

import io
import ipaddress
import secrets
import socket
from dataclasses import dataclass

from ..errors import MissingDependencyError
from .errors import ApiError

__all__ = ["TOKEN_ALPHABET", "TOKEN_HEADER", "TOKEN_LENGTH", "TrainingAccess", "is_loopback",
           "is_wildcard", "lan_address", "new_token", "page_url", "qr_code"]

TOKEN_HEADER = "X-Digitnet-Token"
#: What tokens are made of: 31 symbols, none easily taken for another when read or typed.
TOKEN_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
#: 10 of them make about 49.5 bits (31**10 tokens), no fewer than secrets.token_urlsafe(6)'s 48.
TOKEN_LENGTH = 10


@dataclass(frozen=True)
class TrainingAccess:
    """Who may start and stop training runs from the page: ``mode`` is "open", "token" or
    "off"; ``token`` is the secret of "token" mode."""

    mode: str = "open"
    token: str | None = None

    @classmethod
    def choose(cls, host: str, train: bool = True) -> TrainingAccess:
        """Off when ``train`` is False; open on a loopback address; else a fresh token."""
        if not train:
            return cls("off")
        if is_loopback(host):
            return cls("open")
        return cls("token", new_token())

    def check(self, given: str | None, doing: str = "training") -> None:
        """ApiError 403 unless a request with token ``given`` may start or stop a run (``doing``,
        in words: "training", "stopping a training run", "teaching a voice"). The token is
        compared ignoring case and surrounding spaces, in constant time."""
        if self.mode == "off":
            raise ApiError(403, f"{doing} from the page is turned off on this server (digitnet "
                                "serve --no-train); draw and poke the network instead")
        typed = (given or "").strip().lower()
        if self.mode != "token" or (typed and secrets.compare_digest(
                typed.encode(), self.token.strip().lower().encode())):
            return
        needs = f"{doing} on this server needs the token that digitnet serve printed when it " \
                "started, got"
        if not typed:
            raise ApiError(403, f"{needs} no token; send it as the {TOKEN_HEADER} header (the "
                                "page asks for it)")
        raise ApiError(403, f"{needs} a wrong token; the token changes each time the server "
                            "starts, so send the one printed at its latest start (on the line "
                            "\"Training from the page needs this token: ...\" in its terminal) "
                            f"as the {TOKEN_HEADER} header (the page asks for it)")


def new_token() -> str:
    """A fresh random token of :data:`TOKEN_LENGTH` symbols of :data:`TOKEN_ALPHABET`."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address only this machine reaches (127.0.0.1, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    """Whether ``host`` means every address of this machine (0.0.0.0, ::)."""
    return host in ("0.0.0.0", "::", "")


def lan_address() -> str | None:
    """The IPv4 address other machines on the local network reach this one at, or None.

    A UDP socket "connected" to a private address sends no packet: it only makes the system
    choose the interface and source address its route would use. Without such a route, the
    addresses of the machine's host name are tried.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.254.254.254", 1))
            found = s.getsockname()[0]
        except OSError:
            found = None
    if found and not ipaddress.ip_address(found).is_loopback:
        return found
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    others = [i[4][0] for i in infos if not ipaddress.ip_address(i[4][0]).is_loopback]
    return others[0] if others else None


def page_url(host: str, port: int) -> str | None:
    """The address to type in a browser for a server listening on ``host``: for 0.0.0.0 (or
    ::) the machine's address on the local network, or None when it has none (never a loopback
    address, which on a phone is the phone itself); for anything else ``host`` itself."""
    if is_wildcard(host):
        host = lan_address()
        if host is None:
            return None
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def qr_code(text: str) -> str:
    """``text`` as a QR code drawn with block characters, two rows of modules per line (light
    modules as full blocks, for a terminal with a dark background), ready to print."""
    try:
        import segno
    except ImportError:  # pragma: no cover - segno is a dependency of digitnet
        raise MissingDependencyError("the QR code needs segno: pip install segno") from None
    out = io.StringIO()
    segno.make(text, error="m").terminal(out=out, compact=True)
    return out.getvalue()
