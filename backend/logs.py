"""Logs a county's IT officer can use: JSON lines carrying the request id, with personal data masked.

Every log line (access lines, errors, background work) is one JSON object: ``ts``, ``level``,
``logger``, ``msg``, the request id ``rid`` when the line was written while serving a request
(the same id the response carries in ``X-Request-Id``), and ``exc`` for a traceback. Mainland
mobile numbers and resident ID numbers are masked wherever they appear in a line
(``138****5678``, ``610924********1233``, also written +86 138-0000-5678), and the number in a
caller-history path (``/hotline/callers/***/history``) whatever its kind. With ``SUNSHINE_LOG_FILE`` the lines go to that file
through a ``WatchedFileHandler``, which reopens the file after logrotate moves it
(docs/deployment.md); otherwise to standard error, for journald.
"""

from __future__ import annotations

import contextvars
import json
import logging
import logging.handlers
import re
import time

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
# a mainland mobile, also as +86 / 86 / %2B86 followed by it, with spaces or hyphens inside
_MOBILE = re.compile(r"(?<![0-9])((?:\+|%2[Bb])?86[-\s]?)?(1[3-9]\d)[-\s]?\d{4}[-\s]?(\d{4})(?![0-9])")
# a path segment that is a phone number of any kind (a landline too): /hotline/callers/{phone}/history
_CALLER_SEGMENT = re.compile(r"(/callers/)[^/?#\s\"]+")


def mask(text: str) -> str:
    """The text with ID numbers and mobile numbers masked, and any number in a caller's path."""
    text = _CALLER_SEGMENT.sub(r"\1***", text)
    return _MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(3)}", _ID_NUMBER.sub(r"\1********\2", text))


class JsonFormatter(logging.Formatter):
    """One JSON object per line, personal data masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
                 "level": record.levelname, "logger": record.name}
        message = record.getMessage()
        if message.startswith("{") and message.endswith("}"):  # a structured line (the access log)
            try:
                entry.update({k: v for k, v in json.loads(message).items() if k != "ts"})
                message = ""
            except ValueError:
                pass
        if message:
            entry["msg"] = message
        rid = request_id.get()
        if rid and "rid" not in entry:
            entry["rid"] = rid
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return mask(json.dumps(entry, ensure_ascii=False, default=str))


class MaskingFormatter(logging.Formatter):
    """The plain text format for a terminal, masked too."""

    def format(self, record: logging.LogRecord) -> str:
        rid = request_id.get()
        return mask(super().format(record) + (f" rid={rid}" if rid else ""))


def configure(settings) -> None:
    """Set up the root logger once from the settings (level, format, destination)."""
    if settings.log_file:
        handler: logging.Handler = logging.handlers.WatchedFileHandler(settings.log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
