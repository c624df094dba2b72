"""Migration 0009: queued notices into ``work`` (``notification_queue`` into the working sets).

A step's derived writes go out as one insert command per collection, and each command costs the
driver and the store far more than the small documents it carries. A step that told the applicant
something wrote its notice to ``notification_queue`` and the notice's entry on the wheel to
``work``: two commands where one does. Notices now wait in ``work`` under
``{tenant}:outbox:{number}:{seq}`` (``backend/services/notifications.py``), naming their notice id,
which stays the ``_id`` of their claims and of their entry in ``notification_log``. This moves the
notices queued before, a page at a time: the copy first (one already there is left as it is), then
the old one is deleted, so a run that stopped halfway moves the rest when it runs again, and a
notice on its way (claimed, retrying) keeps its attempts and its place on the wheel.
"""

from __future__ import annotations

from backend.ops.moving import move_all
from backend.services import notifications
from backend.services.context import Services
from backend.store import work

IDENT = "0009-notices-into-work"
OLD = "notification_queue"
RAISES = {"work": 4, OLD: 4}


def _in_work(doc: dict) -> dict:
    key, stored = notifications.stored(doc)
    return {"_id": key, **stored}


async def run(svc: Services, progress) -> None:
    await move_all(svc, progress, OLD, work.WORK, _in_work)
