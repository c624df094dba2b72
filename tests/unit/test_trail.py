"""The tamper-evident trail: every changed byte, deleted or reordered event is found."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from backend.domain.trail import (
    Checkpoint, Event, chain, checkpoint, checkpoint_genesis, event_from_document, event_hash, event_to_document,
    genesis_hash, verify_chain, verify_checkpoint, verify_checkpoints,
)

NUMBER = "610924-20261128-00042"
T0 = datetime(2026, 11, 28, 1, 2, 3, 456789, tzinfo=timezone.utc)


def _draft(i: int) -> Event:
    return Event(type=f"Step{i}", at=T0 + timedelta(minutes=i, microseconds=i), actor_id=f"s{i}",
                 actor_name="王小明", actor_role="window_clerk", actor_post="ck-01", actor_department="zwfw",
                 from_state="a", to_state="b", reason="材料齐全" if i % 2 else "",
                 data={"department": "fgj", "count": i, "at_window": bool(i % 2), "note": None})


@pytest.fixture
def events():
    return list(chain(NUMBER, [_draft(i) for i in range(1, 6)]))


def _kinds(problems):
    return {p.kind for p in problems}


def test_untouched_trail_verifies(events):
    assert verify_chain(NUMBER, events) == []
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == genesis_hash(NUMBER)


def test_chain_continues_from_the_last_event(events):
    more = chain(NUMBER, [_draft(6)], last=events[-1])
    assert more[0].seq == 6 and more[0].prev_hash == events[-1].hash
    assert verify_chain(NUMBER, events + list(more)) == []


def _flip(text: str, i: int) -> str:
    char = text[i]
    return text[:i] + ("1" if char != "1" else "2") + text[i + 1:]


def test_flipping_any_character_of_any_field_is_found(events):
    target = events[2]
    doc = event_to_document(target)
    changed = 0
    for name, value in doc.items():
        if name in ("data", "at", "at_us", "seq"):
            continue
        for i in range(len(value)):
            tampered = list(events)
            tampered[2] = event_from_document({**doc, name: _flip(value, i)})
            problems = verify_chain(NUMBER, tampered)
            assert problems, f"{name}[{i}]"
            assert all(p.case_number == NUMBER for p in problems)
            changed += 1
    assert changed > 150  # both hashes, type, actors, states, reason


def test_changing_data_time_or_seq_is_found(events):
    doc = event_to_document(events[1])
    variants = [
        {**doc, "data": {**doc["data"], "count": 3}},
        {**doc, "data": {**doc["data"], "department": "fgk"}},
        {**doc, "data": {**doc["data"], "at_window": True}},
        {**doc, "data": {**doc["data"], "extra": "x"}},
        {**doc, "at_us": doc["at_us"] + 1},
        {**doc, "at": doc["at"] + timedelta(seconds=1)},
        {**doc, "seq": 7},
    ]
    for variant in variants:
        tampered = list(events)
        tampered[1] = event_from_document(variant)
        problems = verify_chain(NUMBER, tampered)
        assert any(p.seq in (2, 7) and p.kind == "changed" for p in problems), variant


def test_a_rehashed_edit_still_breaks_the_link_to_the_next_event(events):
    edited = replace(events[1], reason="改过")
    edited = replace(edited, hash=event_hash(edited))
    problems = verify_chain(NUMBER, [events[0], edited, *events[2:]])
    assert ("broken_link", 3) in {(p.kind, p.seq) for p in problems}


def test_a_deleted_event_is_named_by_its_seq(events):
    problems = verify_chain(NUMBER, events[:2] + events[3:])
    assert ("missing", 3) in {(p.kind, p.seq) for p in problems}
    assert "第 3 条记录缺失" in " ".join(p.message for p in problems)


def test_a_deleted_first_event_is_a_bad_genesis(events):
    assert {"missing", "bad_genesis"} <= _kinds(verify_chain(NUMBER, events[1:]))


def test_reordered_events_are_found(events):
    swapped = [events[0], events[2], events[1], *events[3:]]
    problems = verify_chain(NUMBER, swapped)
    assert "reordered" in _kinds(problems) and "broken_link" in _kinds(problems)


def test_a_trail_moved_to_another_case_has_a_bad_genesis(events):
    assert "bad_genesis" in _kinds(verify_chain("610924-20261128-00043", events))


def test_a_duplicated_event_is_found(events):
    assert "duplicate" in _kinds(verify_chain(NUMBER, events[:3] + [events[2]] + events[3:]))


def test_cutting_off_the_newest_events_is_found_against_a_checkpoint(events):
    head = events[-1].hash
    assert verify_chain(NUMBER, events, checkpoint_head=head) == []
    assert _kinds(verify_chain(NUMBER, events[:-1], checkpoint_head=head)) == {"truncated"}


def test_event_documents_keep_microseconds_through_bson_millisecond_storage(events):
    doc = event_to_document(events[0])
    stored = {**doc, "at": doc["at"].replace(microsecond=456000, tzinfo=None)}  # what BSON gives back
    assert event_from_document(stored) == events[0]
    assert "." not in "".join(doc["data"]) and not any(isinstance(v, list) for v in doc["data"].values())


def test_events_refuse_nested_or_dotted_data():
    with pytest.raises(ValueError):
        replace(_draft(1), data={"a.b": 1})
    with pytest.raises(ValueError):
        replace(_draft(1), data={"list": [1, 2]})
    with pytest.raises(ValueError):
        replace(_draft(1), at=datetime(2026, 1, 1))


def test_checkpoints_commit_to_case_heads_and_their_predecessor():
    heads = {NUMBER: "a" * 64, "610924-20261128-00043": "b" * 64}
    first = checkpoint(heads, checkpoint_genesis("ziyang"))
    assert verify_checkpoint(heads, checkpoint_genesis("ziyang"), first)
    assert not verify_checkpoint({**heads, NUMBER: "c" * 64}, checkpoint_genesis("ziyang"), first)
    assert not verify_checkpoint({NUMBER: "a" * 64}, checkpoint_genesis("ziyang"), first)
    assert checkpoint(dict(reversed(list(heads.items()))), checkpoint_genesis("ziyang")) == first


def test_checkpoint_chain_detects_an_edited_or_dropped_checkpoint():
    prev, points = checkpoint_genesis("ziyang"), []
    for i in range(3):
        heads = {f"610924-20261128-0000{i + 1}": f"{i}" * 64}
        points.append(Checkpoint(i + 1, heads, prev, checkpoint(heads, prev)))
        prev = points[-1].hash
    assert verify_checkpoints("ziyang", points) == []
    edited = replace(points[1], heads={"610924-20261128-00002": "9" * 64})
    assert {p.seq for p in verify_checkpoints("ziyang", [points[0], edited, points[2]])} == {2}
    assert {(p.kind, p.seq) for p in verify_checkpoints("ziyang", [points[0], points[2]])} == {("broken_link", 3)}
