"""A tiny threaded HTTP server that fake third-party services build on.

Each fake runs on 127.0.0.1 at a free port in a daemon thread, so it never
touches the asyncio loop that pytest-asyncio gives a test. Subclasses
implement :meth:`FakeHttpServer.handle`; one lock serialises every call so a
fake's bookkeeping needs no further care.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    """One HTTP request as the fake received it (raw query kept for replay tests)."""

    method: str
    path: str
    raw_query: str
    headers: dict[str, str]
    body: bytes

    @property
    def url_path(self) -> str:
        return self.path + ("?" + self.raw_query if self.raw_query else "")


@dataclass
class Reply:
    """What the fake answers: an HTTP status and a JSON body (or exactly ``raw`` bytes), plus headers."""

    status: int = 200
    body: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    raw: bytes | None = None


class FakeHttpServer:
    """Base of the fakes: start/stop, a base URL, a request log and a lock."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------
    def start(self) -> "FakeHttpServer":
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.02,), name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("fake server is not running")
        return self._httpd.server_address[1]

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``: what an SDK takes as a domain."""
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/`` (with the trailing slash)."""
        return f"http://{self.host}/"

    # -- request handling ------------------------------------------------
    def dispatch(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            return self.handle(request)

    def handle(self, request: Request) -> Reply:  # pragma: no cover - abstract
        raise NotImplementedError


def _handler_for(fake: FakeHttpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(
                method=self.command,
                path=parts.path,
                raw_query=parts.query,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            try:
                reply = fake.dispatch(request)
            except Exception as exc:  # a bug in a fake must show, not hang the client
                reply = Reply(500, {"fake_error": repr(exc)})
            payload = reply.raw if reply.raw is not None else json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format, *args) -> None:  # keep test output quiet
            pass

    return Handler
