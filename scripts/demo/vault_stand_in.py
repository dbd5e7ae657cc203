#!/usr/bin/env python3
"""A STAND-IN for HashiCorp Vault, for the quick start only: it is not Vault.

Answers every request with 200 and a small JSON body that names the path it was asked for, and
logs each request line to stderr, so the quick start can show which requests Panguard let
through. Usage: vault_stand_in.py PORT
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StandIn(BaseHTTPRequestHandler):
    server_version = "vault-stand-in"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        sys.stderr.write(f"vault stand-in: received {self.command} {self.path}\n")
        body = json.dumps({"data": {"data": {"stand_in": True, "path": self.path}}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_LIST = do_HEAD = _answer

    def log_message(self, *args):  # the request line above is enough
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), StandIn).serve_forever()
