"""A real HTTP endpoint that records the notifications POSTed to it (a stand-in for Slack).

`NotificationReceiver` serves on a free localhost port in a background thread; `url` is what
`--notify-url` is given; `bodies()` lists the JSON bodies received so far, in order.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

MAX_BODY = 1024 * 1024


class NotificationReceiver:
    def __init__(self) -> None:
        received: list[dict[str, Any]] = []
        lock = threading.Lock()
        self._received, self._lock = received, lock

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length", "0")), MAX_BODY)
                body = json.loads(self.rfile.read(length))
                with lock:
                    received.append(body)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/tenantctl"

    def bodies(self, event: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [b for b in self._received if event is None or b.get("event") == event]

    def __enter__(self) -> NotificationReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
