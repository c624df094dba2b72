"""Fewer turns of the event loop per store command (PyMongo 4.20's async receive, without its tasks).

For every command, PyMongo 4.20's ``async_receive_message`` starts two tasks (the read, and a poller
that checks twice a second whether the driver has interrupted the connection), waits for the first
with ``asyncio.wait``, then cancels the poller and waits for that too; ``async_sendall`` wraps a
write that never waits in ``asyncio.wait_for``. Each hand-over is a turn of the event loop, and on a
busy server a turn is every other request's work: a progress lookup that reads the store waited
several of them, and the tasks were a fifth of the API's CPU per intake (docs/performance.md §2).

:func:`install` puts in their place a read awaited directly under ``asyncio.timeout`` (the same
deadline: the operation's timeout or the socket's) and the write itself. The interruption the
poller served (the driver cancels the contexts of in-use connections to a server its monitor finds
unresponsive) is kept by a timer on the read instead of a task: every ``POLL_S`` it looks at the
context and, when it was cancelled, cancels the read, which ends as the driver's own
``_OperationCancelled``. It is installed only for the driver version it was written against
(``SUPPORTED``); any other version runs the driver's own functions.
"""

from __future__ import annotations

import asyncio
import time

import pymongo
from pymongo import _csot
from pymongo.asynchronous import pool
from pymongo.common import MAX_MESSAGE_SIZE
from pymongo.errors import ProtocolError, _OperationCancelled
from pymongo.message import _UNPACK_REPLY

SUPPORTED = (4, 20)
POLL_S = 0.5  # as the driver's poller


async def receive_message(conn, request_id: int | None, max_message_size: int = MAX_MESSAGE_SIZE):
    """One reply to ``request_id`` on ``conn`` (the driver's ``AsyncConnection``), unpacked."""
    if _csot.get_timeout():
        deadline = _csot.get_deadline()
    else:
        timeout = conn.conn.gettimeout
        deadline = time.monotonic() + timeout if timeout else None
    if conn.cancel_context.cancelled:
        raise _OperationCancelled("operation cancelled")
    task, loop = asyncio.current_task(), asyncio.get_running_loop()
    interrupted = False

    def look() -> None:
        nonlocal interrupted, timer
        if conn.cancel_context.cancelled:
            interrupted = True
            task.cancel()
        else:
            timer = loop.call_later(POLL_S, look)

    timer = loop.call_later(POLL_S, look)
    try:
        async with asyncio.timeout(max(deadline - time.monotonic(), 0) if deadline else None):
            data, op_code = await conn.conn.get_conn.read(request_id, max_message_size)
    except asyncio.CancelledError:
        if interrupted and task.uncancel() == 0:
            raise _OperationCancelled("operation cancelled") from None
        raise
    except TimeoutError:
        raise TimeoutError("timed out") from None
    finally:
        timer.cancel()
    if op_code not in _UNPACK_REPLY:
        raise ProtocolError(f"reply with unknown opcode {op_code!r}")
    return _UNPACK_REPLY[op_code](data)


async def sendall(conn, buf: bytes) -> None:
    """The write (the transport buffers it; nothing is awaited, so there is nothing to time out)."""
    await conn.write(buf)


def install() -> bool:
    """Use these in the driver's async pool; False (and the driver's own) for another driver version."""
    if tuple(pymongo.version_tuple[:2]) != SUPPORTED:
        return False
    pool.async_receive_message = receive_message
    pool.async_sendall = sendall
    return True
