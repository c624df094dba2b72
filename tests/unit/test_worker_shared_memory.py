"""What the workers of ``serve --processes`` share in memory. The sequence table: forked processes take
distinct, consecutive numbers, a worker killed while holding the lock does not stop the others, and
a forgotten table starts again. The change stamps: a write in one worker is seen by every other."""

import os
import signal
import struct

from backend.store.change_stamps import ChangeStamps
from backend.store.shared_sequences import RESCAN, RETURNS, SharedSequences

DAY = 740_000


def _in_children(count: int, body) -> list[bytes]:
    """Run ``body(write)`` in ``count`` forked children; returns what each wrote to its pipe."""
    children = []
    for _ in range(count):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            try:
                body(lambda data: os.write(write, data))
            finally:
                os._exit(0)
        os.close(write)
        children.append((pid, read))
    results = []
    for pid, read in children:
        chunks = []
        while chunk := os.read(read, 65536):
            chunks.append(chunk)
        os.close(read)
        os.waitpid(pid, 0)
        results.append(b"".join(chunks))
    return results


def test_forked_workers_take_every_number_once_and_leave_no_gap():
    table = SharedSequences()
    assert table.take("ziyang:2026-12-02", DAY) is None  # nobody has started the day
    assert table.take("ziyang:2026-12-02", DAY, start=1) == 1

    def take_many(write):
        write(b"".join(struct.pack("<q", table.take("ziyang:2026-12-02", DAY)) for _ in range(400)))

    taken = [seq for data in _in_children(4, take_many) for (seq,) in struct.iter_unpack("<q", data)]
    assert sorted(taken) == list(range(2, 1602))
    assert table.take("ziyang:2026-12-02", DAY) == 1602


def test_each_county_and_day_counts_on_its_own():
    table = SharedSequences()
    assert table.take("ziyang:2026-12-02", DAY, start=7) == 7
    assert table.take("hanbin:2026-12-02", DAY, start=1) == 1
    assert table.take("ziyang:2026-12-03", DAY + 1, start=1) == 1
    assert table.take("ziyang:2026-12-02", DAY, start=1) == 8  # already started: the start is ignored


def test_a_number_taken_outside_the_group_is_never_handed_out_again():
    table = SharedSequences()
    table.take("ziyang:2026-12-02", DAY, start=1)
    table.advance("ziyang:2026-12-02", 10)
    assert table.take("ziyang:2026-12-02", DAY) == 10
    table.advance("ziyang:2026-12-02", 5)  # never backwards
    assert table.take("ziyang:2026-12-02", DAY) == 11


def test_a_worker_killed_holding_the_lock_does_not_stop_the_others():
    table = SharedSequences()
    table.take("ziyang:2026-12-02", DAY, start=1)

    def die_in_the_lock(write):
        with table._locked():
            write(b"locked")
            os.kill(os.getpid(), signal.SIGKILL)

    assert _in_children(1, die_in_the_lock) == [b"locked"]
    assert table.take("ziyang:2026-12-02", DAY) == 2


def test_a_forgotten_counter_asks_to_look_back_from_where_it_stood():
    table = SharedSequences()
    assert table.look_from("ziyang:2026-12-02") is None  # never started: look from the stored hint
    table.take("ziyang:2026-12-02", DAY, start=1000)
    table.take("ziyang:2026-12-02", DAY)
    table.forget()
    assert table.take("ziyang:2026-12-02", DAY) is None
    assert table.look_from("ziyang:2026-12-02") == 1002 - RESCAN
    assert table.take("ziyang:2026-12-02", DAY, start=990) == 990  # the first free one found there
    assert table.look_from("ziyang:2026-12-02") is None
    assert table.take("ziyang:2026-12-02", DAY) == 991


def test_a_full_table_gives_the_oldest_day_s_slot_to_a_new_day():
    table = SharedSequences(slots=4)
    for offset in range(4):
        assert table.take(f"ziyang:{offset}", DAY + offset, start=1) == 1
    assert table.take("ziyang:new", DAY + 10, start=1) == 1
    assert table.take("ziyang:0", DAY) is None  # the oldest day was let go
    assert table.take("ziyang:3", DAY + 3) == 2


def test_a_number_handed_back_by_one_worker_is_taken_first_by_another():
    table = SharedSequences()
    table.take("ziyang:2026-12-02", DAY, start=1)
    assert table.take("ziyang:2026-12-02", DAY) == 2

    def fail_and_hand_back(write):
        seq = table.take("ziyang:2026-12-02", DAY)
        write(struct.pack("<q", seq) + bytes([table.give_back("ziyang:2026-12-02", seq)]))

    assert _in_children(1, fail_and_hand_back) == [struct.pack("<q", 3) + b"\x01"]
    assert table.take("hanbin:2026-12-02", DAY, start=1) == 1  # another county's counter is not served it
    assert table.take("ziyang:2026-12-02", DAY) == 3
    assert table.take("ziyang:2026-12-02", DAY) == 4


def test_when_the_list_of_handed_back_numbers_is_full_the_worker_keeps_its_own():
    table = SharedSequences()
    assert all(table.give_back("ziyang:2026-12-02", seq) for seq in range(1, RETURNS + 1))
    assert not table.give_back("ziyang:2026-12-02", RETURNS + 1)
    assert [table.take("ziyang:2026-12-02", DAY) for _ in range(3)] == [1, 2, 3]  # the lowest first


def test_a_snapshot_written_in_one_worker_moves_the_stamp_every_worker_reads():
    stamps = ChangeStamps()
    before = stamps.read("ziyang:610924-20261202-00001")
    neighbour = stamps.read("ziyang:610924-20261202-00002")

    def write_in_a_worker(write):
        for _ in range(3):
            stamps.move("ziyang:610924-20261202-00001")
        write(b"done")

    assert _in_children(2, write_in_a_worker) == [b"done", b"done"]
    assert stamps.read("ziyang:610924-20261202-00001") == before + 6
    assert stamps.read("ziyang:610924-20261202-00002") in (neighbour, neighbour + 6)  # unless they share a slot
