"""JSON as the API writes it: UTF-8 text, Chinese as it is, dates and times in ISO 8601.

:class:`JsonText` marks text already encoded by :func:`to_json`, which then passes it through (a
public progress view kept by the server is encoded once, not on every lookup).
"""

from __future__ import annotations

import json
from datetime import date, datetime


class JsonText(str):
    """A JSON document already encoded by :func:`to_json`: sent as it is."""


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(data) -> str:
    if isinstance(data, JsonText):
        return data
    return json.dumps(data, ensure_ascii=False, default=_default)


def with_field(document: JsonText | str, name: str, value) -> JsonText:
    """``document`` (the text of a non-empty JSON object) with ``name: value`` added at its end, as
    :func:`to_json` would have written the object with that field last."""
    return JsonText(f"{document[:-1]}, {to_json(name)}: {to_json(value)}}}")
