"""Connecting to the store: the embedded FerretDB by default, MongoDB when MONGODB_URI is set."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from backend.config import Settings
from backend.store import driver_turns
from backend.store.commands import CommandCounter
from backend.store.embedded import EmbeddedStore

STORE_ERRORS = (PyMongoError,)


@dataclass
class StoreHandle:
    """An open connection: ``db`` for repositories, ``embedded`` when this process may own FerretDB."""

    client: AsyncMongoClient
    db: AsyncDatabase
    embedded: EmbeddedStore | None

    async def ping(self) -> bool:
        try:
            await self.db.command("ping")
            return True
        except PyMongoError:
            return False

    async def close(self) -> None:
        await self.client.close()
        if self.embedded is not None:
            self.embedded.close()


WRITE_TIMEOUT_MS = 10_000


def make_client(uri: str, settings: Settings) -> AsyncMongoClient:
    """A client that acknowledges a write only once a majority of the replica set has it in its journal.

    ``w="majority"`` with ``journal=True``: an acknowledged step (a case event, a payment notice)
    survives the loss of the primary, because the member elected next has it. A write that cannot
    reach a majority within ``WRITE_TIMEOUT_MS`` fails (503) instead of hanging. Reads go to the
    primary (the default), so a person reads what they just wrote. The embedded FerretDB and a
    single MongoDB accept the same settings (there the majority is the one server).
    """
    timeout = settings.store_timeout_ms
    driver_turns.install()  # fewer event-loop turns per command (backend/store/driver_turns.py)
    return AsyncMongoClient(
        uri,
        serverSelectionTimeoutMS=timeout,
        connectTimeoutMS=timeout,
        w="majority",
        journal=True,
        wTimeoutMS=WRITE_TIMEOUT_MS,
        tz_aware=True,
        appname="sunshine365",
        event_listeners=[CommandCounter()],
    )


def open_store(settings: Settings, database: str | None = None) -> StoreHandle:
    """Open the configured store (starting or attaching to the embedded FerretDB when no URI is set)."""
    embedded = None
    uri = settings.mongodb_uri
    if not uri:
        embedded = EmbeddedStore(settings.data_dir, settings.ferretdb_bin)
        uri = embedded.open()
    client = make_client(uri, settings)
    return StoreHandle(client=client, db=client[database or settings.database], embedded=embedded)
