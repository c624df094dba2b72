"""Group commit (成批写入): inserts from concurrent requests written together, one command per collection.

Each insert into the store is a transaction with its own fsync on FerretDB's SQLite, and one
request stores several small documents. :func:`insert` queues a request's documents for their
collection; if no write to that collection is running, they are written at once, otherwise they
join the next write, which starts as soon as the running one returns (no timer, so a lone request
never waits). The write is one unordered ``insert_many``; each document's outcome goes back to
the request that queued it, so a duplicate ``_id`` (the referee of docs/decisions/0003) is still
reported to exactly the request whose document lost. FerretDB writes such a batch in one
transaction, and falls back to one document at a time only when one of them is refused; for a
collection where documents are often there already (the vault: people come back), declared with
:func:`look_first`, each batch finds those with one ``$in`` read per batch and inserts only the rest, so a returning applicant
does not turn everyone's batch into one transaction per document.

Reads by ``_id`` of one collection are gathered the same way (:func:`read_by_id`): the lookups that
arrive while one ``$in`` read is running go out together in the next, so fifty progress lookups
that miss their kept views cost the driver and the store a few commands, not fifty. A read waits
only for a read already sent, so it still sees every write that returned before it began.
"""

from __future__ import annotations

import asyncio
import copy
import weakref

from pymongo.errors import BulkWriteError, DuplicateKeyError

# event loop -> {(client id, database, collection): batcher}. Keyed by loop and checked by identity:
# clients compare equal when they name the same server, so a worker forked after the supervisor
# wrote through its own client (and loop) must not be handed that client's batcher.
_batchers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()
_readers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()
_look_first: set[str] = set()  # collections whose batches look for documents already there
READ_BATCH = 500  # ids per $in read (FerretDB's _id pushdown takes at most 10,000)


def look_first(collection: str) -> None:
    """Declare ``collection`` as one where inserted documents are often there already."""
    _look_first.add(collection)


class _Rounds:
    """One collection's queue, sent in rounds: a round starts at once when none is running, and
    whatever queued meanwhile goes out in the next."""

    def __init__(self, collection):
        self.collection = collection
        self.running = False

    def _wake(self, loop) -> None:
        if not self.running:
            self.running = True
            loop.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self.pending:
                await self._round()
        finally:
            self.running = False


class _Batcher(_Rounds):
    def __init__(self, collection):
        super().__init__(collection)
        self.pending: list[tuple[dict, asyncio.Future]] = []

    def enqueue(self, docs: list[dict]) -> list[asyncio.Future]:
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in docs]
        self.pending += list(zip(docs, futures))
        self._wake(loop)
        return futures

    async def _round(self) -> None:
        batch, self.pending = self.pending, []
        await self._write(batch)

    async def _write(self, batch: list[tuple[dict, asyncio.Future]]) -> None:
        outcomes: list[BaseException | None] = [None] * len(batch)
        try:
            there = await self._already_there(batch)
            todo = [i for i, (doc, _) in enumerate(batch) if doc["_id"] not in there]
            for i in set(range(len(batch))) - set(todo):
                outcomes[i] = DuplicateKeyError(f"duplicate key: {batch[i][0]['_id']}", 11000)
            try:
                if todo:
                    await self.collection.insert_many([batch[i][0] for i in todo], ordered=False)
            except BulkWriteError as exc:
                for error in exc.details.get("writeErrors", []):
                    outcomes[todo[error["index"]]] = (DuplicateKeyError(error.get("errmsg", ""), 11000, error)
                                                      if error.get("code") == 11000 else exc)
        except Exception as exc:  # the store is down: every document of the batch failed
            outcomes = [exc] * len(batch)
        for (_, future), outcome in zip(batch, outcomes):
            if not future.done():
                future.set_result(outcome)

    async def _already_there(self, batch: list[tuple[dict, asyncio.Future]]) -> set:
        if self.collection.name not in _look_first:
            return set()
        ids = list({doc["_id"] for doc, _ in batch})
        return {d["_id"] for d in await self.collection.find({"_id": {"$in": ids}}, {"_id": 1}).to_list(None)}


class _Reader(_Rounds):
    def __init__(self, collection):
        super().__init__(collection)
        self.pending: dict[object, list[asyncio.Future]] = {}

    def want(self, doc_id) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.pending.setdefault(doc_id, []).append(future)
        self._wake(loop)
        return future

    async def _round(self) -> None:
        ids = list(self.pending)[:READ_BATCH]
        batch = {doc_id: self.pending.pop(doc_id) for doc_id in ids}
        try:
            found = {d["_id"]: d for d in await self.collection.find({"_id": {"$in": ids}}).to_list(None)}
        except Exception as exc:  # the store is down: every read of the batch failed
            for futures in batch.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
            return
        for doc_id, futures in batch.items():
            doc = found.get(doc_id)
            for i, future in enumerate(futures):  # each reader its own document
                if not future.done():
                    future.set_result(doc if i == 0 or doc is None else copy.deepcopy(doc))


def _keyed(registry, db, collection: str, make):
    per_loop = registry.setdefault(asyncio.get_running_loop(), {})
    key = (id(db.client), db.name, collection)
    found = per_loop.get(key)
    if found is None or found.collection.database.client is not db.client:
        found = per_loop[key] = make(db[collection])
    return found


def _batcher(db, collection: str) -> _Batcher:
    return _keyed(_batchers, db, collection, _Batcher)


async def read_by_id(db, collection: str, doc_id) -> dict | None:
    """The document of ``collection`` with ``_id`` ``doc_id`` (None: there is none), read together
    with the other requests' reads of that collection waiting at the same moment."""
    return await _keyed(_readers, db, collection, _Reader).want(doc_id)


def enqueue(db, collection: str, docs: list[dict]) -> list[asyncio.Future]:
    """Queue ``docs`` for the next write into ``collection`` (begun at once when none is running) and
    return one future per document, each resolved to its outcome: ``None`` (inserted) or the
    exception (``DuplicateKeyError``). A request that writes to several collections queues all of
    its documents first and then awaits the outcomes (:func:`settled`), so its writes go out together
    without a task per collection."""
    return _batcher(db, collection).enqueue(docs) if docs else []


async def settled(futures: list[asyncio.Future]) -> list[BaseException | None]:
    """The outcomes of queued documents (one write resolves them all: awaiting them in turn costs nothing)."""
    return [await future for future in futures]


def unexpected(outcomes: list[BaseException | None]) -> BaseException | None:
    """The first failure other than a duplicate ``_id`` (documents decided by their ``_id``)."""
    return next((o for o in outcomes if o is not None and not isinstance(o, DuplicateKeyError)), None)


async def insert(db, collection: str, docs: list[dict]) -> list[BaseException | None]:
    """Insert ``docs`` together with whatever other requests are inserting into ``collection`` now;
    returns each document's outcome: ``None`` (inserted) or the exception (``DuplicateKeyError``)."""
    return await settled(enqueue(db, collection, docs))


async def insert_one(db, collection: str, doc: dict) -> None:
    """Insert one document in the next batch; raises ``DuplicateKeyError`` when its ``_id`` is taken."""
    outcome = (await insert(db, collection, [doc]))[0]
    if outcome is not None:
        raise outcome


async def insert_new(db, collection: str, docs: list[dict]) -> None:
    """Insert documents decided by their ``_id``; one already there is left as it is."""
    failed = unexpected(await insert(db, collection, docs))
    if failed is not None:
        raise failed
