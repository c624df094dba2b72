"""Counting failed sign-ins (登录失败计数) by unique inserts, read back by ``_id`` prefix ranges.

Every checked attempt is one document per key, inserted *before* its password is checked:
``login_failures/{tenant}:{account}:{time}:{random}`` (with the address key in it) and
``login_failures/@{address}:{time}:{random}``. An attempt then reads both ranges back and goes on
only if the limits (``domain.login_rules``) allow it *counting everyone else's attempts in flight*;
otherwise it removes its documents and is refused. Whoever reads sees at least every insert made
before its own, so of N simultaneous attempts at most ``free`` reach the password check (no
read-modify-write, which FerretDB does not isolate). A success removes its documents again; a
failure leaves them, to count for an hour. An address that signed in to an account is remembered
in ``login_known/{tenant}:{account}:{address}`` and spared the account-wide limit.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta


from backend.domain import login_rules
from backend.domain.errors import TooManyRequests
from backend.domain.login_rules import Failure
from backend.services.context import Services
from backend.store.work import prefix_range

FAILURES, KNOWN = "login_failures", "login_known"
KNOWN_FOR = timedelta(days=90)
_PLAIN = re.compile(r"^[a-z0-9_.-]{1,40}$")


def plain_key(text: str) -> str:
    """A name usable inside an ``_id`` (ours, or a digest of whatever a caller typed)."""
    return text if _PLAIN.match(text or "") else "#" + hashlib.sha256((text or "").encode()).hexdigest()[:24]


def address_key(ip: str) -> str:
    """An IPv4 address as it is; an IPv6 one by its /64 network (one subscriber holds a whole /64)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return plain_key(ip)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address).replace(":", "_")
    return str(address)


def _stamp(moment) -> str:
    return moment.strftime("%Y%m%d%H%M%S%f")


@dataclass
class Attempt:
    """One sign-in attempt that was let through to the password check."""

    svc: Services
    tenant: str
    account: str
    address: str
    ids: list[str] = field(default_factory=list)

    async def succeeded(self) -> None:
        """The password was right: this attempt no longer counts, and the address is remembered."""
        now = self.svc.now()
        await asyncio.gather(
            self.svc.db[FAILURES].delete_many({"_id": {"$in": self.ids}}),
            self.svc.db[KNOWN].update_one(
                {"_id": f"{self.tenant}:{self.account}:{self.address}"},
                {"$set": {"tenant": self.tenant, "at": now, "expires_at": now + KNOWN_FOR}}, upsert=True))

    async def failed(self) -> None:
        """The password (or code) was wrong: the documents stay and count."""



async def _read(svc: Services, tenant: str, account: str, address: str, now) -> tuple[list, list, bool]:
    since = _stamp(now - login_rules.LOOKBACK)
    account_prefix, address_prefix = f"{tenant}:{account}:", f"@{address}:"

    def window(prefix: str) -> dict:
        return {"_id": {"$gte": prefix + since, "$lt": prefix_range(prefix)["$lt"]}}

    by_account, by_address, known = await asyncio.gather(
        svc.db[FAILURES].find(window(account_prefix), {"at": 1, "address": 1}).to_list(None),
        svc.db[FAILURES].find(window(address_prefix), {"at": 1}).to_list(None),
        svc.db[KNOWN].find_one({"_id": f"{tenant}:{account}:{address}"}, {"_id": 1}))
    return by_account, by_address, known is not None


def _wait(by_account: list, by_address: list, known: bool, address: str, now, own: set[str]) -> timedelta:
    account = [Failure(d["at"], d.get("address", "")) for d in by_account if d["_id"] not in own]
    others = [Failure(d["at"], "") for d in by_address if d["_id"] not in own]
    return login_rules.wait_for(account, others, address, known, now)


def _refuse(wait) -> TooManyRequests:
    seconds = login_rules.seconds(wait)
    return TooManyRequests(f"登录尝试过于频繁，请 {seconds} 秒后再试", seconds)


async def begin(svc: Services, tenant: str, username: str, ip: str) -> Attempt:
    """Let an attempt through to the password check, or raise ``TooManyRequests`` with the wait.

    A first read refuses an attempt that must wait without writing anything (a flood stays reads);
    then the attempt's documents are inserted and the limits are decided again, counting every
    other attempt in flight."""
    tenant, account, address, now = plain_key(tenant), plain_key(username), address_key(ip), svc.now()
    wait = _wait(*await _read(svc, tenant, account, address, now), address, now, set())
    if wait:
        raise _refuse(wait)
    order = f"{_stamp(now)}:{secrets.token_hex(6)}"
    expires = now + login_rules.LOOKBACK
    docs = [{"_id": f"{tenant}:{account}:{order}", "tenant": tenant, "at": now, "address": address,
             "expires_at": expires},
            {"_id": f"@{address}:{order}", "at": now, "expires_at": expires}]
    await svc.db[FAILURES].insert_many(docs, ordered=False)
    attempt = Attempt(svc, tenant, account, address, [d["_id"] for d in docs])
    wait = _wait(*await _read(svc, tenant, account, address, now), address, now, set(attempt.ids))
    if wait:
        await svc.db[FAILURES].delete_many({"_id": {"$in": attempt.ids}})
        raise _refuse(wait)
    return attempt
