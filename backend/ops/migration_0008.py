"""Migration 0008: SMS rating links beside the person index (``rating_links`` into ``case_index``).

A step's derived writes go out as one insert command per collection, and each command costs the
driver and the store far more than the small document it carries. At intake a case filed its
person-index entries in ``case_index`` and its rating link in ``rating_links``: two commands where
one does. Links now live in ``case_index`` under their token, marked ``kind: rating_link``
(``backend/services/rating_stages.py``). This moves the links stored before, a page at a time: the
copy first (one already there is left as it is), then the old one is deleted, so a run that stopped
halfway moves the rest when it runs again, and a link already sent by SMS keeps working.
"""

from __future__ import annotations

from backend.ops.moving import move_all
from backend.services import rating_stages
from backend.services.context import Services

IDENT = "0008-rating-links-beside-the-index"
OLD = "rating_links"
RAISES = {"case_index": 3, OLD: 2}


async def run(svc: Services, progress) -> None:
    await move_all(svc, progress, OLD, rating_stages.LINKS, lambda doc: {**doc, "kind": rating_stages.LINK_KIND})
