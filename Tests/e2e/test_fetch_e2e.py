"""Server-side fetches against local HTTP servers the tests start (loopback only)."""
import http.server
import io
import json
import socketserver
import threading
import time

import pytest
from PIL import Image

from conftest import TOKEN, start_stack

AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def png(size=(16, 9)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (9, 9, 9)).save(buffer, format="PNG")
    return buffer.getvalue()


class Origin:
    """A little HTTP server that records every request it gets."""

    def __init__(self, host="127.0.0.1", redirect_target=None):
        self.requests = []
        origin = self
        image = png()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def send_body(self, body, status=200, ctype="application/octet-stream", length=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                self.wfile.write(body)

            def redirect(self, location, status=302):
                self.send_response(status)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self):
                origin.requests.append(self.path)
                path = self.path.split("?")[0]
                if path == "/image.png":
                    self.send_body(image, ctype="image/png")
                elif path == "/page.html":
                    self.send_body(b"<!DOCTYPE html><html></html>", ctype="text/html")
                elif path == "/large":
                    self.send_body(b"x" * (2 * 1024 * 1024))
                elif path == "/large-chunked":
                    self.send_response(200)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for _ in range(64):
                        chunk = b"y" * 65536
                        self.wfile.write(b"%x\\r\\n%s\\r\\n" % (len(chunk), chunk))
                    self.wfile.write(b"0\\r\\n\\r\\n")
                elif path == "/slow":
                    self.send_response(200)
                    self.send_header("Content-Length", "100")
                    self.end_headers()
                    for _ in range(100):
                        self.wfile.write(b"s")
                        self.wfile.flush()
                        time.sleep(0.1)
                elif path.startswith("/chain/"):
                    left = int(path.split("/")[2])
                    self.redirect("/image.png" if left == 0 else f"/chain/{left - 1}")
                elif path == "/loop":
                    self.redirect("/loop2")
                elif path == "/loop2":
                    self.redirect("/loop")
                elif path == "/missing":
                    self.send_body(b"nope", status=404)
                elif path == "/liar":
                    self.send_response(200)
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    self.wfile.write(b"only a little")
                    self.wfile.flush()
                    self.close_connection = True
                elif path == "/to-target" and redirect_target:
                    self.redirect(redirect_target)
                else:
                    self.send_body(b"?", status=404)

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                pass  # the responder aborting a transfer (cap, timeout) is expected here

        self.server = Server((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def origin():
    server = Origin()
    yield server
    server.close()


@pytest.fixture(scope="module")
def open_stack():
    """A responder with fetch.allow_private on (tests and closed networks only) and a 1 MiB cap."""
    started, stop = start_stack({"DEPOT_FETCH_ALLOW_PRIVATE": "true", "DEPOT_FETCH_MAX_SIZE": "1M", "DEPOT_FETCH_TOTAL_TIMEOUT": "3"}, "depot-e2e-fetch-")
    yield started
    stop()


def post(stack, path, payload):
    return stack.request("POST", path, body=json.dumps(payload).encode(), headers=AUTH)


def leftovers(stack):
    return sorted(str(p.relative_to(stack.storage)) for p in stack.storage.rglob("*")
                  if p.is_file() and not p.name.endswith(".journal") and p.name != ".healthz-probe")


def test_avatar_is_stored_under_the_openid(open_stack, origin):
    r = post(open_stack, "/api/users/oAbC_123-x/avatar", {"avatarUrl": f"{origin.base}/image.png"})
    assert r.status == 201, r.body
    data = r.json["data"]
    assert data["format"] == "png" and data["width"] == 16 and data["height"] == 9
    parts = data["path"].split("/")
    assert parts[1] == "avatars" and len(parts[2]) == 8 and parts[2].isdigit() and parts[3] == "oAbC_123-x"
    assert (open_stack.storage / data["path"].lstrip("/")).read_bytes() == png()


def test_fetch_returns_file_and_name(open_stack, origin):
    r = post(open_stack, "/api/fetch", {"url": f"{origin.base}/chain/4", "namespace": "etp_qr_img"})
    assert r.status == 201, r.body
    data = r.json["data"]
    assert len(data["name"]) == 32 and all(c in "0123456789abcdef" for c in data["name"])
    assert data["path"].startswith("/etp_qr_img/") and data["path"].endswith(data["name"] + ".png")
    assert data["url"] == f"/api/files/{data['id']}"
    download = open_stack.request("GET", data["url"])
    assert download.status == 200 and download.body == png()


@pytest.mark.parametrize("path", ["/chain/5", "/loop", "/missing", "/liar", "/large", "/large-chunked", "/slow", "/page.html"])
def test_failures_are_502_53003_and_leave_nothing(open_stack, origin, path):
    before = leftovers(open_stack)
    endpoint, payload = (("/api/users/u1/avatar", {"avatarUrl": origin.base + path}) if path == "/page.html"
                         else ("/api/fetch", {"url": origin.base + path}))
    r = post(open_stack, endpoint, payload)
    assert r.status == 502, (path, r.body)
    assert r.json["code"] == 53003
    assert r.json["msg"] == ("download avatar failed" if path == "/page.html" else "download failed")
    assert leftovers(open_stack) == before


def test_avatar_failure_message_is_the_original_services(open_stack, origin):
    r = post(open_stack, "/api/users/u1/avatar", {"avatarUrl": f"{origin.base}/missing"})
    assert r.status == 502 and r.json == {"code": 53003, "msg": "download avatar failed", "data": None}


def test_chain_of_five_redirects_is_followed(open_stack, origin):
    assert post(open_stack, "/api/fetch", {"url": f"{origin.base}/chain/4"}).status == 201
    assert post(open_stack, "/api/fetch", {"url": f"{origin.base}/chain/5"}).status == 502


def test_malformed_requests_are_400(open_stack):
    assert open_stack.request("POST", "/api/fetch", body=b"{nope", headers=AUTH).status == 400
    assert post(open_stack, "/api/fetch", {}).json["code"] == 40000
    assert post(open_stack, "/api/users/u1/avatar", {"url": "x"}).status == 400
    assert post(open_stack, "/api/users/bad%20id/avatar", {"avatarUrl": "http://x/"}).status == 400
    assert post(open_stack, "/api/fetch", {"url": "http://x/", "namespace": "../etc"}).status == 400
    assert open_stack.request("POST", "/api/fetch", body=b"{}", headers={"Content-Type": "application/json"}).status == 401


def test_logs_say_why_without_secrets(open_stack, origin):
    post(open_stack, "/api/fetch", {"url": f"{origin.base}/missing?token=supersecret"})
    log = open_stack.log
    assert "HTTP status 404" in log
    assert "supersecret" not in log


DENIED = ["http://127.0.0.1:{port}/image.png", "http://localhost:{port}/image.png", "http://[::1]:{port}/image.png",
          "http://0x7f000001:{port}/image.png", "http://2130706433:{port}/image.png", "http://127.1:{port}/image.png",
          "http://0.0.0.0:{port}/image.png", "http://[::ffff:127.0.0.1]:{port}/image.png", "file:///etc/passwd",
          "gopher://127.0.0.1:{port}/"]


@pytest.mark.parametrize("template", DENIED)
def test_default_deny_refuses_local_addresses_and_the_server_sees_nothing(stack, template):
    server = Origin()
    try:
        r = post(stack, "/api/fetch", {"url": template.format(port=server.port)})
        assert r.status == 502 and r.json["code"] == 53003, r.body
        time.sleep(0.1)
        assert server.requests == []
    finally:
        server.close()


def test_redirect_from_an_allowed_host_to_a_denied_one():
    """127.0.0.2 is allowed by fetch.allow_networks; it redirects to 127.0.0.1, which is not."""
    denied = Origin("127.0.0.1")
    allowed = Origin("127.0.0.2", redirect_target=f"{denied.base}/image.png")
    started, stop = start_stack({"DEPOT_FETCH_ALLOW_NETWORKS": "127.0.0.2/32"}, "depot-e2e-allowlist-")
    try:
        direct = post(started, "/api/fetch", {"url": f"{allowed.base}/image.png"})
        assert direct.status == 201, direct.body
        r = post(started, "/api/fetch", {"url": f"{allowed.base}/to-target"})
        assert r.status == 502 and r.json["code"] == 53003
        assert allowed.requests == ["/image.png", "/to-target"]
        assert denied.requests == []
        assert "address 127.0.0.1 is not public" in started.log
    finally:
        stop()
        denied.close()
        allowed.close()
