"""The runtime through a real nginx: envelope, errors nginx raises itself, auth, static page."""
import re
import sys
import http.client
import json
import signal
import subprocess
import tempfile
from pathlib import Path

from conftest import ROOT, STORE, TOKEN, Response, free_port, start_nginx, stop_nginx

sys.path.insert(0, str(ROOT / "scripts/lib"))
import fcgi  # noqa: E402


def test_healthz_through_nginx(stack):
    r = stack.request("GET", "/api/healthz")
    assert r.status == 200
    assert r.json["code"] == 0 and r.json["msg"] == "ok"
    data = r.json["data"]
    assert (data["db"], data["storage"], data["store"]) == ("ok", "ok", STORE)
    assert re.fullmatch(r"[A-Za-z0-9-]{1,64}", data["node"]), data
    assert r.header("Content-Type") == "application/json; charset=utf-8"


def test_unknown_route_and_wrong_method(stack):
    r = stack.request("GET", "/api/nope")
    assert r.status == 404 and r.json["code"] == 40400
    r = stack.request("PUT", "/api/healthz", body=b"x")
    assert r.status == 405 and r.json["code"] == 40500
    assert r.header("Allow") == "GET, HEAD"


def test_write_route_needs_token_through_nginx(stack):
    r = stack.request("POST", "/api/_debug/echo", body=b"hello")
    assert r.status == 401 and r.json["code"] == 40100
    assert r.header("WWW-Authenticate").startswith("Bearer")
    r = stack.request("POST", "/api/_debug/echo", body=b"hello", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status == 200 and r.json["data"]["size"] == 5


def test_body_nginx_buffered_to_disk_reaches_the_responder(stack):
    body = bytes(range(256)) * (12 * 4096)  # 12 MiB, over nginx's in-memory buffer
    r = stack.request("POST", "/api/_debug/echo", body=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status == 200 and r.json["data"]["size"] == len(body)


def test_nginx_413_comes_back_as_the_envelope(stack):
    host, port = stack.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.putrequest("POST", "/api/_debug/echo")
    conn.putheader("Content-Length", str(17 * 1024 * 1024))
    conn.putheader("Authorization", f"Bearer {TOKEN}")
    conn.endheaders()
    r = conn.getresponse()
    body = json.loads(r.read())
    assert r.status == 413
    assert body["code"] == 41300 and body["data"] is None
    conn.close()


def test_nginx_502_when_the_responder_is_down_is_the_envelope():
    var = Path(tempfile.mkdtemp(prefix="depot-e2e-down-"))
    port = free_port()
    nginx = start_nginx(var, port, var / "run/missing.sock", var / "storage")
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/healthz")
        r = conn.getresponse()
        body = json.loads(r.read())
        assert r.status == 502
        assert body["code"] == 50000 and "unavailable" in body["msg"]
    finally:
        stop_nginx(nginx)


def test_stored_location_is_internal(stack):
    (stack.storage / "secret.txt").write_text("no")
    r = stack.request("GET", "/_stored/secret.txt")
    assert r.status == 404


def test_static_page_and_openapi_and_metrics(stack):
    page = stack.request("GET", "/")
    assert page.status == 200 and b"<title>Depot</title>" in page.body
    doc = stack.request("GET", "/api/openapi.json")
    assert doc.status == 200
    spec = doc.json
    assert spec["openapi"] == "3.1.0"
    assert "/api/healthz" in spec["paths"] and "get" in spec["paths"]["/api/healthz"]
    assert "/api/_debug/sleep" not in spec["paths"]
    assert spec["paths"]["/api/metrics"]["get"]["responses"]["200"]["content"].keys() == {"text/plain; version=0.0.4"}
    metrics = stack.request("GET", "/api/metrics").body.decode()
    assert "depot_request_duration_seconds_bucket{le=\"+Inf\"}" in metrics
    assert "depot_requests_in_flight 1" in metrics
    # Counters are per responder (the PostgreSQL pass runs two): each counts what it answered.
    for sock in stack.sockets:
        assert fcgi.request(str(sock), "GET", "/api/healthz").status == 200
        own = fcgi.request(str(sock), "GET", "/api/metrics").body.decode()
        assert 'depot_requests_total{route="/api/healthz",method="GET",status="200"}' in own


def test_head_request_through_nginx(stack):
    r = stack.request("HEAD", "/api/healthz")
    assert r.status == 200 and r.body == b""
