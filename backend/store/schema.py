"""Schema versions (数据格式版本): one record per collection of what shape its documents have.

``schema_versions/collection:{name}`` holds ``version`` for every collection the code writes;
``schema_versions/migration:{id}`` records each applied migration (docs/decisions/0008). A
collection without a record is at version 1, the shape it had before versions were recorded. An
empty store is stamped with :data:`CURRENT` at its first start, so nothing migrates it.

:data:`CURRENT` lists every collection the code writes. When a change alters the stored shape of
a collection, raise its number here and add a migration to ``backend.ops.migrations`` that
brings version n-1 up to n; a test checks that a working store holds no unlisted collection.
"""

from __future__ import annotations

from datetime import datetime

from pymongo import UpdateOne

VERSIONS = "schema_versions"

CURRENT: dict[str, int] = {
    # cases and their trail; 2: ID and phone numbers as vault references, index ids by keyed hash (migration 0003)
    # cases 3: snapshots stored packed, a few kept keys and one BSON value (migration 0004, decision 0011)
    # finished_cases 2: each summary also filed by its day in finished_days (migration 0005)
    # case_index 3: SMS rating links live here too, kind rating_link (migration 0008)
    "cases": 3, "case_steps": 2, "case_index": 3, "counters": 1, "finished_cases": 2, "finished_days": 1,
    "idempotency": 1,
    "trail_checkpoints": 1, "trail_reseals": 1, "timer_cursors": 1, "journal_state": 1, "journal_days": 1,
    # the personal-data vault (decision 0007)
    "pii": 1,
    # 2: every working set (queues, open cases, timers, journal) lives here (decision 0005, migration 0001)
    # 3: open and acknowledged cards are mirrored here too (migration 0002)
    # 4: queued notices too, kind outbox (migration 0009)
    "work": 4,
    # supervision; cards 2 (and ratings 2): each also filed by its day in card_days / rating_days (migration 0006)
    "cards": 2, "card_days": 1, "violations": 1, "violation_decisions": 1, "supervision_reports": 1, "tenant_settings": 1,
    # organisation and catalogue
    "tenants": 1, "config_heads": 1, "staff": 1, "departments": 1, "townships": 1, "centres": 1,
    "posts": 1, "item_heads": 1, "item_versions": 1, "calendar_entries": 1, "audit_log": 1, "org_history": 1,
    # citizens, notifications, uploads; notification_queue 3: each notice filed on the notice wheel of work (migration 0007)
    # notification_queue 4: emptied, its notices moved into work (migration 0009)
    "citizens": 1, "ratings": 2, "rating_days": 1, "notification_queue": 4, "notification_log": 2, "notification_claims": 1,
    "notify_senders": 1, "materials.files": 1, "materials.chunks": 1,
    # satisfaction (好差评): pads, SMS links, bad-review rectification, survey samples, results
    # rating_links 2: emptied, its links moved into case_index (migration 0008)
    "rating_links": 2, "rating_pads": 1, "pad_codes": 1, "rectifications": 1, "rectification_appeals": 1,
    "survey_samples": 1, "survey_attempts": 1, "satisfaction_published": 1, "satisfaction_reports": 1,
    # hotline
    "hotline_tickets": 2, "hotline_open": 1, "hotline_calls": 2, "hotline_call_tickets": 1,
    "hotline_citizen_tickets": 1, "hotline_models": 1, "hotline_corrections": 1, "hotline_shifts": 1,
    "hotline_handovers": 1, "kb_articles": 1, "cti_events": 2, "open311_requests": 1, "open311_keys": 1,
    "open311_key_revocations": 1,
    # signing in: sessions and their list, failed attempts, remembered addresses, second factors
    "sessions": 1, "session_index": 1, "login_failures": 1, "login_known": 1, "login_challenges": 1,
    "second_factors": 1, "totp_used": 1,
    # fees (一窗式收费)
    "fee_slips": 1, "fee_settlements": 1, "fee_ledger": 1, "fee_exemptions": 1, "fee_orders": 1, "fee_statements": 1,
    "fee_mismatches": 1, "fee_resolutions": 1,
    # running it
    "leases": 1, "lease_claims": 1, "schema_versions": 1, "schema_runs": 1, "backups": 1,
}


def collection_id(name: str) -> str:
    return f"collection:{name}"


def migration_id(ident: str) -> str:
    return f"migration:{ident}"


async def stored_versions(db) -> dict[str, int]:
    """``{collection: version}`` as recorded in the store (empty before anything was recorded)."""
    docs = await db[VERSIONS].find({"_id": {"$gte": "collection:", "$lt": "collection;"}}).to_list(None)
    return {doc["name"]: doc["version"] for doc in docs}


async def applied_migrations(db) -> set[str]:
    docs = await db[VERSIONS].find({"_id": {"$gte": "migration:", "$lt": "migration;"}}, {"_id": 1}).to_list(None)
    return {doc["_id"].split(":", 1)[1] for doc in docs}


async def record(db, versions: dict[str, int], now: datetime, by: str) -> None:
    """Set the recorded version of each collection (whole-record upserts: repeating is harmless)."""
    if versions:
        await db[VERSIONS].bulk_write([
            UpdateOne({"_id": collection_id(name)}, {"$set": {"name": name, "version": version, "at": now, "by": by}},
                      upsert=True) for name, version in sorted(versions.items())])


def newer_than_code(stored: dict[str, int]) -> dict[str, int]:
    """Collections the store records at a version this code does not know (a downgrade)."""
    return {name: v for name, v in stored.items() if v > CURRENT.get(name, 1)}
