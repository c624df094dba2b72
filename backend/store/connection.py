"""Connecting to the store: the embedded FerretDB by default, MongoDB when MONGODB_URI is set."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from backend.config import Settings
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


def make_client(uri: str, settings: Settings) -> AsyncMongoClient:
    timeout = settings.store_timeout_ms
    return AsyncMongoClient(
        uri,
        serverSelectionTimeoutMS=timeout,
        connectTimeoutMS=timeout,
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
