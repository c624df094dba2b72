"""What the hotline plugs into the shared case pipeline; ``backend.app.make_app`` calls ``install``.

The pipeline below does not import the hotline: it offers hooks, and the hotline fills them.
"""

from __future__ import annotations

from backend.services import uploads
from hotline.services import tickets


def install() -> None:
    """A file attached to a ticket (its photos) is read by whoever may read the ticket. Idempotent."""
    if tickets.may_read not in uploads.MATTER_READERS:
        uploads.MATTER_READERS.append(tickets.may_read)
