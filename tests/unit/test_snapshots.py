"""The packed snapshot layout: what goes in comes back, old layouts read as they are, nothing hides."""

from datetime import datetime, timezone

import bson

from backend.store import snapshots

DOC = {"_id": "ziyang:610924-20261202-00001", "tenant": "ziyang", "number": "610924-20261202-00001", "version": 3,
       "state": "in_review", "finished": False, "item_name": "个体工商户设立登记",
       "submitted_at": datetime(2026, 12, 2, 1, 30, 15, 123000, tzinfo=timezone.utc),
       "events": [{"seq": 1, "type": "CaseSubmitted", "data": {"form": {"资金": 10}}}], "paused_from": None}


def test_a_snapshot_comes_back_as_it_went_in_with_only_the_kept_keys_beside_the_packed_value():
    stored = snapshots.pack(DOC)
    assert set(stored) == {*snapshots.KEPT, snapshots.PACKED}
    back = snapshots.unpack(stored)
    assert back == DOC and back["submitted_at"].tzinfo is not None


def test_a_snapshot_written_before_packing_reads_as_it_is_and_a_key_beside_the_packed_value_wins():
    assert snapshots.unpack(dict(DOC)) == DOC and snapshots.unpack(None) is None
    stored = {**snapshots.pack(DOC), "events": 7}  # written beside the packed value, by hand
    assert snapshots.unpack(stored)["events"] == 7


def test_the_packed_value_is_stored_compressed_and_one_written_uncompressed_still_reads():
    stored = snapshots.pack({**DOC, "note": "材料说明" * 300})
    assert stored[snapshots.PACKED].subtype == snapshots.COMPRESSED
    assert len(stored[snapshots.PACKED]) < len(bson.encode({"note": "材料说明" * 300})) / 4
    plain = {**{k: DOC[k] for k in snapshots.KEPT}, snapshots.PACKED: bson.Binary(bson.encode(
        {k: v for k, v in DOC.items() if k not in snapshots.KEPT}))}  # how packed values were written before
    assert snapshots.unpack(plain) == DOC
