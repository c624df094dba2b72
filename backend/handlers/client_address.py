"""The client's address and protocol: the socket's, or what a configured reverse proxy says they are.

``X-Real-IP``, ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the addresses in
``SUNSHINE_TRUSTED_PROXIES`` (nginx sets them; anyone else could forge them). ``peer_ip`` stays the
socket peer, for decisions such as "loopback only" that must never follow a header.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

FORWARDING_HEADERS = ("X-Real-Ip", "X-Forwarded-For")


@lru_cache(maxsize=8)
def trusted_set(setting: str) -> frozenset[str]:
    return frozenset(part.strip() for part in setting.split(",") if part.strip())


def peer_ip(request) -> str:
    address = getattr(getattr(request.connection, "context", None), "address", None)
    if isinstance(address, tuple) and address:
        return str(address[0])
    return request.remote_ip or ""


def _valid(ip: str) -> str:
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return ""


def client_ip(request, trusted: str) -> str:
    """The client's address as the trusted proxy reports it, else the socket peer."""
    peer = peer_ip(request)
    if peer not in trusted_set(trusted):
        return peer
    real = _valid(request.headers.get("X-Real-Ip", ""))
    forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1]
    return real or _valid(forwarded) or peer


def is_loopback_direct(request) -> bool:
    """True for a request from this machine that no proxy forwarded."""
    if any(request.headers.get(h) for h in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(peer_ip(request)).is_loopback
    except ValueError:
        return False


def client_protocol(request, trusted: str) -> str:
    """``https`` when a trusted proxy says the client came over HTTPS (``X-Forwarded-Proto``), else
    the socket's own protocol; anyone else's header is ignored (the server runs without ``xheaders``)."""
    own = getattr(getattr(request.connection, "context", None), "_orig_protocol", None) or request.protocol
    if peer_ip(request) not in trusted_set(trusted):
        return own
    claimed = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return claimed if claimed in ("http", "https") else own
