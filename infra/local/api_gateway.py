"""An HTTP endpoint that hands each request to the API through Chalice's local gateway (a
`chalice.test.Client`), the path API Gateway takes. Chalice's own local server cannot be made twice
in one process (it rebases the app's class), and a test session or a simulation run needs several."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@contextmanager
def api_through_test_client(routes: Any) -> Iterator[str]:
    """Serve POST requests (Mollie's webhook calls) on a free local port; yields its base URL."""

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {"Content-Type": self.headers.get("Content-Type", "")}
            answer = routes.http.post(self.path, headers=headers, body=body)
            self.send_response(answer.status_code)
            self.send_header("Content-Length", str(len(answer.body or b"")))
            self.end_headers()
            self.wfile.write(answer.body or b"")

        def log_message(self, format: str, *args: Any) -> None:
            # One access-log line per webhook on stderr would bury the output.
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, name="local-api-gateway", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
