"""Uploads through nginx in offload mode: nginx writes the body file, the responder parses or links it."""
import hashlib
import io
import json
import os
import signal
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from PIL import Image

from conftest import ROOT, TOKEN, database_env, free_port, start_nginx, start_stack, stop_nginx, wait_for

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def multipart(parts, boundary=None):
    """parts: (name, filename or None, content_type or None, bytes)."""
    boundary = boundary or "e2e" + uuid.uuid4().hex
    out = b""
    for name, filename, ctype, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def png_bytes(size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def leftovers(storage: Path):
    """Stored files and temp files; the responder's journal and health probe are infrastructure."""
    return sorted(str(p.relative_to(storage)) for p in storage.rglob("*")
                  if p.is_file() and not p.name.endswith(".journal") and p.name != ".healthz-probe")


def test_multipart_upload_through_nginx_offload(stack):
    image = png_bytes()
    big = os.urandom(5 * 1024 * 1024)
    body, ctype = multipart([
        ("meta", None, "application/json", b'{"order": 12}'),
        ("img", "商品 图.png", "application/octet-stream", image),
        ("blob", "data.bin", None, big),
    ])
    r = stack.request("POST", "/api/uploads/shop/items", body=body, headers={**AUTH, "Content-Type": ctype})
    assert r.status == 201, r.body
    files = {f["field"]: f for f in r.json["data"]["files"]}
    assert files["img"]["width"] == 64 and files["img"]["height"] == 48 and files["img"]["format"] == "png"
    assert files["img"]["origin_filename"] == "商品 图.png"
    assert files["blob"]["sha256"] == hashlib.sha256(big).hexdigest()
    assert (stack.storage / files["blob"]["path"].lstrip("/")).read_bytes() == big
    assert r.json["data"]["fields"] == {"meta": {"order": 12}}
    # nginx cleaned its body file; the responder left no temp files.
    assert not any(p.is_file() for p in (stack.var / "nginx/client_body_temp").rglob("*"))
    assert [p for p in leftovers(stack.storage) if p.startswith(".tmp/")] == []


def test_upload_needs_the_token(stack):
    body, ctype = multipart([("f", "a.txt", None, b"x")])
    r = stack.request("POST", "/api/uploads/x", body=body, headers={"Content-Type": ctype})
    assert r.status == 401


@pytest.fixture(scope="module")
def offload_stack():
    """nginx rendered with DEPOT_PUT_BODY=offload: raw PUT bodies land in nginx's temp file first."""
    started, stop = start_stack(prefix="depot-offload-", put_body="offload")
    yield started
    stop()


def test_raw_put_streams_through_nginx_by_default(stack):
    # Past 8 MiB the responder hashes on its own thread and writes whole blocks with O_DIRECT: an
    # odd size makes an unaligned tail, which goes through the page cache.
    data = os.urandom(12 * 1024 * 1024 + 4099)
    body_temp = stack.var / "nginx/client_body_temp"
    before = body_temp.stat().st_mtime_ns
    r = stack.request("PUT", "/api/uploads/raw/%E6%8A%A5%E8%A1%A8%2090%25.bin", body=data, headers=AUTH)
    assert r.status == 201, r.body
    meta = r.json["data"]
    assert meta["origin_filename"] == "报表 90%.bin" and meta["size"] == len(data)
    assert meta["sha256"] == hashlib.sha256(data).hexdigest()
    assert (stack.storage / meta["path"].lstrip("/")).read_bytes() == data
    # nginx made no body file (making and removing one changes its folder's mtime; see below).
    assert body_temp.stat().st_mtime_ns == before


def test_raw_put_through_nginx_offload_is_linked_not_copied(offload_stack):
    stack = offload_stack
    data = os.urandom(3 * 1024 * 1024 + 5)
    body_temp = stack.var / "nginx/client_body_temp"
    before = body_temp.stat().st_mtime_ns
    r = stack.request("PUT", "/api/uploads/raw/%E6%8A%A5%E8%A1%A8%2090%25.bin", body=data, headers=AUTH)
    assert body_temp.stat().st_mtime_ns != before
    assert r.status == 201, r.body
    meta = r.json["data"]
    assert meta["origin_filename"] == "报表 90%.bin"
    assert meta["sha256"] == hashlib.sha256(data).hexdigest()
    stored = stack.storage / meta["path"].lstrip("/")
    assert stored.read_bytes() == data
    # nginx removes its name for the body file when it finalizes the request, which may be just
    # after the client has the response: then the stored name is the only link left.
    wait_for(lambda: stored.stat().st_nlink == 1, seconds=5, what="nginx to drop its body file")


def test_materials_through_nginx(stack):
    body, ctype = multipart([
        ("files", "a.png", "image/png", png_bytes((10, 20))),
        ("files", "page.png", "image/png", b"<!DOCTYPE html><html><script>1</script></html>"),
    ])
    r = stack.request("POST", "/api/malls/9/materials", body=body, headers={**AUTH, "Content-Type": ctype})
    assert r.status == 200, r.body
    ok, refused = r.json["data"]
    assert ok["success"] and ok["width"] == 10 and ok["height"] == 20 and ok["material_type"] == 0
    assert refused == {"origin_filename": "page.png", "success": False, "reason": "not an image, video or audio file"}
    listing = stack.request("GET", "/api/malls/9/materials").json["data"]
    assert listing["total"] == 1 and listing["items"][0]["id"] == ok["id"]


def test_truncated_offloaded_body_is_rejected_and_leaves_nothing(stack):
    before = leftovers(stack.storage)
    body, ctype = multipart([("f", "a.bin", None, os.urandom(100_000))])
    r = stack.request("POST", "/api/uploads/trunc", body=body[:-30], headers={**AUTH, "Content-Type": ctype})
    assert r.status == 400 and r.json["code"] == 40001
    assert leftovers(stack.storage) == before


def test_openapi_lists_the_upload_routes(stack):
    paths = stack.request("GET", "/api/openapi.json").json["paths"]
    assert "multipart/form-data" in paths["/api/uploads/{namespace}"]["post"]["requestBody"]["content"]
    assert paths["/api/uploads/{namespace}"]["post"]["security"] == [{"bearer": []}]
    assert set(paths["/api/malls/{mall_id}/materials"]) == {"get", "post"}
    assert set(paths["/api/materials/{id}"]) == {"get", "delete"}


@pytest.fixture
def tiny_storage_stack():
    """A responder whose storage root is a 2 MiB tmpfs (needs root, as CI has)."""
    assert os.geteuid() == 0, "this test mounts a tmpfs and must run as root (CI does)"
    binary = os.environ.get("DEPOT_BINARY") or str(ROOT / ".build/debug/depot")
    var = Path(tempfile.mkdtemp(prefix="depot-full-"))
    storage = var / "storage"
    storage.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(storage)], check=True)
    sock = var / "depot.sock"
    env = {"PATH": os.environ["PATH"], "DEPOT_STORAGE_ROOT": str(storage), **database_env(var, "db.sqlite3"),
           "DEPOT_NGINX_BODY_TEMP_DIR": str(var / "nginx/client_body_temp")}
    depot = subprocess.Popen([binary, "--socket", str(sock)], env=env, stderr=subprocess.DEVNULL)
    wait_for(sock.exists, what="responder")
    port = free_port()
    # nginx's body file is on another filesystem than the tmpfs, so the responder copies it and fills the disk.
    nginx = start_nginx(var, port, sock, storage, max_body="64m")
    try:
        yield port, storage, var
    finally:
        stop_nginx(nginx)
        depot.send_signal(signal.SIGTERM)
        depot.wait(timeout=20)
        subprocess.run(["umount", str(storage)], check=False)


def test_full_disk_is_507_and_leaves_nothing(tiny_storage_stack):
    import http.client
    port, storage, _ = tiny_storage_stack
    body, ctype = multipart([("f", "small.bin", None, b"ok" * 10), ("f", "huge.bin", None, os.urandom(3 * 1024 * 1024))])
    for method, path, payload, headers in [
        ("PUT", "/api/uploads/full/x.bin", os.urandom(3 * 1024 * 1024), {}),
        ("POST", "/api/uploads/full", body, {"Content-Type": ctype}),
    ]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request(method, path, body=payload, headers=headers)
        r = conn.getresponse()
        answer = json.loads(r.read())
        conn.close()
        assert r.status == 507 and answer["code"] == 50700, (method, answer)
        assert leftovers(storage) == []
    # Space is back once the failed request is cleaned up: a small upload works.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("PUT", "/api/uploads/full/ok.bin", body=b"fits")
    assert conn.getresponse().status == 201


def test_large_part_is_hashed_on_the_pipeline_and_a_cut_one_leaves_nothing(stack):
    import hashlib
    big = os.urandom(12 * 1024 * 1024)  # over the 8 MiB threshold where hashing moves to its own thread
    body, ctype = multipart([("f", "big.bin", None, big)])
    r = stack.request("POST", "/api/uploads/pipeline", body=body, headers={**AUTH, "Content-Type": ctype})
    assert r.status == 201, r.body
    assert r.json["data"]["files"][0]["sha256"] == hashlib.sha256(big).hexdigest()
    before = leftovers(stack.storage)
    cut = stack.request("POST", "/api/uploads/pipeline", body=body[:-100], headers={**AUTH, "Content-Type": ctype})
    assert cut.status == 400 and cut.json["code"] == 40001
    assert leftovers(stack.storage) == before
    assert stack.request("GET", "/api/healthz").status == 200
