"""A real HTTP repository server on 127.0.0.1 for tests, with ETag and Last-Modified."""

from __future__ import annotations

import hashlib
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RepoServer:
    """Serves `files` (path -> bytes) and records (method, path, status) of every request."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.log: list[tuple[str, str, int]] = []
        self.fail_with: int | None = None  # answer every request with this status
        self.etags = True
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                status, body, headers = server._answer(self.path, self.headers)
                server.log.append(("GET", self.path, status))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def _answer(self, path: str, request_headers) -> tuple[int, bytes, dict]:
        if self.fail_with:
            return self.fail_with, b"failure", {}
        body = self.files.get(path)
        if body is None:
            return 404, b"not found", {}
        etag = f'"{hashlib.sha1(body).hexdigest()}"'
        # A fixed date per content keeps Last-Modified stable while the bytes are.
        last_modified = formatdate(int(hashlib.sha1(body).hexdigest()[:6], 16), usegmt=True)
        headers = {"Last-Modified": last_modified}
        if self.etags:
            headers["ETag"] = etag
            if request_headers.get("If-None-Match") == etag:
                return 304, b"", headers
        elif request_headers.get("If-Modified-Since") == last_modified:
            return 304, b"", headers
        return 200, body, headers

    def statuses(self) -> list[int]:
        return [status for _, _, status in self.log]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> RepoServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
