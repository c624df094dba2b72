"""The driver's receive without its per-command tasks keeps the driver's deadlines and interruptions."""

import asyncio
import time
from types import SimpleNamespace

import pytest
from pymongo.asynchronous import pool
from pymongo.errors import _OperationCancelled
from pymongo.pool_shared import _CancellationContext

from backend.config import load_settings
from backend.store import connection, driver_turns


class SilentServer:
    """A connection whose reply never comes (a server that stopped answering)."""

    def __init__(self, timeout: float | None = None):
        self.gettimeout = timeout
        self.get_conn = self

    async def read(self, request_id, max_message_size):
        await asyncio.Event().wait()


def silent(timeout: float | None = None):
    return SimpleNamespace(conn=SilentServer(timeout), cancel_context=_CancellationContext())


async def test_the_store_client_uses_the_lean_receive_with_the_pinned_driver():
    client = connection.make_client("mongodb://127.0.0.1:1", load_settings(env={}))
    try:
        assert pool.async_receive_message is driver_turns.receive_message
        assert pool.async_sendall is driver_turns.sendall
    finally:
        await client.close()


async def test_a_read_from_a_server_that_stopped_answering_ends_at_the_socket_deadline():
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="timed out"):
        await driver_turns.receive_message(silent(timeout=0.2), 1)
    assert 0.15 < time.monotonic() - started < 1.0


async def test_a_read_the_driver_interrupts_ends_as_the_drivers_cancellation_within_its_poll():
    conn = silent()
    asyncio.get_running_loop().call_later(0.1, conn.cancel_context.cancel)
    started = time.monotonic()
    with pytest.raises(_OperationCancelled):
        await driver_turns.receive_message(conn, 1)
    assert time.monotonic() - started < driver_turns.POLL_S + 0.5
    assert not asyncio.current_task().cancelling()  # the interruption does not linger as a cancellation


async def test_a_request_cancelled_from_outside_is_cancelled_not_interrupted():
    reading = asyncio.create_task(driver_turns.receive_message(silent(), 1))
    await asyncio.sleep(0.05)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
