"""A key server for the JWKS tests: the public keys of test signing keys, on a local port."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt


def jwk_of(private_key, kid: str, algorithm: str) -> dict:
    if algorithm == "RS256":
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    else:
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private_key.public_key()))
    return {**jwk, "kid": kid, "alg": algorithm, "use": "sig"}


class JwksServer:
    """A JWKS endpoint on a local port whose keys the test can change."""

    def __init__(self):
        self.keys: list[dict] = []
        self.fetches = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.fetches += 1
                body = json.dumps({"keys": owner.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
