"""Resumable uploads (tus 1.0.0) through nginx over two responders, on whichever store the pass
uses: tuspy as the client, a PATCH cut off mid-body and resumed, concurrent PATCHes, termination,
concatenation, expiry. nginx spreads requests over both responders, so a PATCH and the next one
usually land on different nodes."""
import base64
import hashlib
import http.client
import io
import os
import socket
import struct
import sys
import threading
import time
from pathlib import Path

import pytest
from tusclient import client as tus_client

from conftest import ROOT, TOKEN, start_stack, wait_for

sys.path.insert(0, str(ROOT / "scripts/lib"))
import fcgi  # noqa: E402

AUTH = {"Authorization": f"Bearer {TOKEN}"}
TUS = {"Tus-Resumable": "1.0.0", **AUTH}
OFFSET_TYPE = "application/offset+octet-stream"


@pytest.fixture(scope="module")
def tus_stack():
    stack, stop = start_stack(prefix="depot-tus-", nodes=2, max_body="64m")
    yield stack
    stop()


def leftovers(stack):
    """Data files of resumable uploads still on the volume."""
    directory = stack.storage / ".tus"
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def stored(stack):
    return sorted(str(p.relative_to(stack.storage)) for p in stack.storage.rglob("*") if p.is_file() and not str(p.relative_to(stack.storage)).startswith("."))


def create(stack, length, namespace="videos", extra=None):
    response = stack.request("POST", f"/api/tus/{namespace}", headers={**TUS, "Upload-Length": str(length), **(extra or {})})
    assert response.status == 201, response.body
    assert response.header("Tus-Resumable") == "1.0.0"
    return response.header("Location")


def patch(stack, url, offset, body, extra=None):
    return stack.request("PATCH", url, body=body, headers={**TUS, "Upload-Offset": str(offset), "Content-Type": OFFSET_TYPE, **(extra or {})})


def head(stack, url):
    return stack.request("HEAD", url, headers=TUS)


@pytest.mark.parametrize("chunk_size", [1 << 20, 64 << 20])
def test_tuspy_uploads_chunked_and_whole_with_checksums(tus_stack, chunk_size):
    data = os.urandom(5 * (1 << 20) + 12345)
    client = tus_client.TusClient(tus_stack.base + "/api/tus/videos", headers=AUTH)
    uploader = client.uploader(file_stream=io.BytesIO(data), chunk_size=chunk_size, metadata={"filename": "clip.mp4", "shop": "42"},
                               upload_checksum=True)
    uploader.upload()
    assert uploader.offset == len(data)
    file_id = uploader.url.rstrip("/").split("/")[-1]
    status = tus_stack.request("GET", f"/api/tus/videos/{file_id}", headers=TUS)
    assert status.status == 200, status.body
    assert status.json["data"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert status.json["data"]["origin_filename"] == "clip.mp4"
    download = tus_stack.request("GET", f"/api/files/{file_id}")
    assert download.status == 200 and hashlib.sha256(download.body).hexdigest() == hashlib.sha256(data).hexdigest()
    assert file_id not in leftovers(tus_stack)


def lease_held(stack, url):
    """True while some PATCH holds the upload (read from the store, so asking changes nothing)."""
    with stack.db() as db:
        return db.execute("SELECT lease_owner FROM uploads WHERE id = ?", (url.split("/")[-1],)) not in ([], [(None,)])


def wait_released(stack, url):
    """Waits until the upload takes a PATCH again: an empty one at its offset answers 204 only
    once the previous writer has saved and let go (423 before)."""
    def free():
        offset = head(stack, url).header("Upload-Offset")
        return patch(stack, url, offset, b"").status == 204
    wait_for(free, what="the previous PATCH to save what arrived and let go of the upload")


def raw_patch(stack, url, offset, total_length, chunks, pause=0.0):
    """A PATCH sent by hand: declares `total_length` body bytes, sends `chunks`, then closes."""
    host, port = stack.base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    head_lines = [f"PATCH {url} HTTP/1.1", f"Host: {host}", "Tus-Resumable: 1.0.0", f"Authorization: Bearer {TOKEN}",
                  f"Upload-Offset: {offset}", f"Content-Type: {OFFSET_TYPE}", f"Content-Length: {total_length}", "", ""]
    sock.sendall("\r\n".join(head_lines).encode())
    for chunk in chunks:
        sock.sendall(chunk)
        if pause:
            time.sleep(pause)
    return sock


def test_a_patch_cut_off_after_16_of_24_mib_resumes_where_it_stopped(tus_stack):
    data = os.urandom(24 << 20)
    url = create(tus_stack, len(data))
    sock = raw_patch(tus_stack, url, 0, len(data), [data[i:i + (1 << 20)] for i in range(0, 16 << 20, 1 << 20)])
    time.sleep(0.5)
    sock.close()
    # The responder keeps what reached it and lets go of the upload.
    wait_released(tus_stack, url)
    offset = int(head(tus_stack, url).header("Upload-Offset"))
    assert 8 << 20 <= offset <= 16 << 20, offset
    response = patch(tus_stack, url, offset, data[offset:])
    assert response.status == 204, response.body
    assert response.header("Upload-Offset") == str(len(data))
    file_id = url.split("/")[-1]
    status = tus_stack.request("GET", url, headers=TUS)
    assert status.json["data"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert file_id not in leftovers(tus_stack)


def test_a_second_patch_while_one_is_in_flight_is_423(tus_stack):
    data = os.urandom(4 << 20)
    url = create(tus_stack, len(data))
    # A slow PATCH holds the upload (1 MiB now, the rest never comes until the socket closes).
    sock = raw_patch(tus_stack, url, 0, len(data), [data[: 1 << 20]])
    try:
        wait_for(lambda: lease_held(tus_stack, url), what="the slow PATCH to hold the upload")
        refused = patch(tus_stack, url, 0, data[:10])
        assert refused.status == 423 and refused.json["code"] == 42300, refused.body
        # HEAD never waits for the PATCH.
        started = time.monotonic()
        assert head(tus_stack, url).status == 200
        assert time.monotonic() - started < 2
    finally:
        sock.close()
    wait_released(tus_stack, url)
    offset = int(head(tus_stack, url).header("Upload-Offset"))
    assert patch(tus_stack, url, offset, data[offset:]).status == 204
    assert tus_stack.request("GET", url, headers=TUS).json["data"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_statuses_through_nginx(tus_stack):
    options = tus_stack.request("OPTIONS", "/api/tus/videos")
    assert options.status == 204 and options.header("Tus-Version") == "1.0.0" and "concatenation" in options.header("Tus-Extension")
    assert tus_stack.request("POST", "/api/tus/videos", headers={**AUTH, "Upload-Length": "1"}).status == 412
    assert tus_stack.request("POST", "/api/tus/videos", headers={"Tus-Resumable": "1.0.0", "Upload-Length": "1"}).status == 401
    url = create(tus_stack, 10)
    assert stack_status(tus_stack, "PATCH", url, {"Upload-Offset": "0", "Content-Type": "text/plain"}, b"x") == 415
    assert patch(tus_stack, url, 3, b"x").status == 409
    bad = patch(tus_stack, url, 0, b"hello", {"Upload-Checksum": "sha256 " + base64.b64encode(b"\0" * 32).decode()})
    assert bad.status == 460 and bad.json["code"] == 46000
    assert head(tus_stack, url).header("Upload-Offset") == "0"
    assert patch(tus_stack, url, 0, b"hello world").status == 413
    good = patch(tus_stack, url, 0, b"hello", {"Upload-Checksum": "sha1 " + base64.b64encode(hashlib.sha1(b"hello").digest()).decode()})
    assert good.status == 204 and good.header("Upload-Offset") == "5"


def stack_status(stack, method, url, headers, body):
    return stack.request(method, url, body=body, headers={**TUS, **headers}).status


def test_termination_leaves_no_bytes(tus_stack):
    url = create(tus_stack, 1 << 20)
    assert patch(tus_stack, url, 0, os.urandom(300_000)).status == 204
    file_id = url.split("/")[-1]
    assert file_id in leftovers(tus_stack)
    before = stored(tus_stack)
    assert tus_stack.request("DELETE", url, headers=TUS).status == 204
    assert file_id not in leftovers(tus_stack)
    assert head(tus_stack, url).status == 404
    assert stored(tus_stack) == before


def test_concatenation_of_parts_uploaded_through_both_nodes(tus_stack):
    parts = [os.urandom(700_000), os.urandom(123), os.urandom(2 << 20)]
    urls = []
    for part in parts:
        url = create(tus_stack, len(part), extra={"Upload-Concat": "partial"})
        assert patch(tus_stack, url, 0, part).status == 204
        urls.append(url)
    final = tus_stack.request("POST", "/api/tus/videos", headers={**TUS, "Upload-Concat": "final;" + " ".join(urls)})
    assert final.status == 201, final.body
    status = tus_stack.request("GET", final.header("Location"), headers=TUS)
    assert status.json["data"]["sha256"] == hashlib.sha256(b"".join(parts)).hexdigest()
    for url in urls:
        assert head(tus_stack, url).status == 404
        assert url.split("/")[-1] not in leftovers(tus_stack)


def test_expired_uploads_are_swept_with_their_bytes():
    # uploads.resumable_expiry 2 s: every node sweeps each second.
    tus_stack, stop = start_stack({"DEPOT_UPLOADS_RESUMABLE_EXPIRY": "2s"}, prefix="depot-tus-expiry-", nodes=2)
    try:
        expire_one(tus_stack)
    finally:
        stop()


def expire_one(tus_stack):
    url = create(tus_stack, 100)
    assert patch(tus_stack, url, 0, b"x" * 10).status == 204
    file_id = url.split("/")[-1]
    assert file_id in leftovers(tus_stack)
    wait_for(lambda: head(tus_stack, url).status == 404, seconds=15, what="the expired upload to be swept")
    assert file_id not in leftovers(tus_stack)
    with tus_stack.db() as db:
        assert db.execute("SELECT COUNT(*) FROM uploads WHERE id = ?", (file_id,)) == [(0,)]


def node_request(stack, node, method, url, body=b"", headers=None):
    """A request straight to responder `node` (0 or 1) over its FastCGI socket, as nginx would send it."""
    params = {"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {TOKEN}", **(headers or {})}
    content_type = params.pop("Content-Type", "")
    return fcgi.request(str(stack.sockets[node]), method, url, body, content_type, headers=params)


def test_one_upload_across_both_nodes_and_423_from_the_other_node(tus_stack):
    data = os.urandom(3 << 20)
    created = node_request(tus_stack, 0, "POST", "/api/tus/videos", headers={"Upload-Length": str(len(data))})
    assert created.status == 201, created.body
    url = created.headers["location"]
    first = node_request(tus_stack, 0, "PATCH", url, data[: 1 << 20],
                         {"Upload-Offset": "0", "Content-Type": OFFSET_TYPE})
    assert first.status == 204 and first.headers["upload-offset"] == str(1 << 20)
    # Node 2 sees node 1's progress at once.
    assert node_request(tus_stack, 1, "HEAD", url).headers["upload-offset"] == str(1 << 20)
    # A PATCH in flight on node 1 (its body half sent) holds the upload: node 2 answers 423.
    params = {"REQUEST_METHOD": "PATCH", "REQUEST_URI": url, "SCRIPT_NAME": url, "QUERY_STRING": "",
              "CONTENT_LENGTH": str(1 << 20), "CONTENT_TYPE": OFFSET_TYPE, "SERVER_PROTOCOL": "HTTP/1.1",
              "HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_AUTHORIZATION": f"Bearer {TOKEN}", "HTTP_UPLOAD_OFFSET": str(1 << 20)}
    held = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    held.connect(str(tus_stack.sockets[0]))
    held.sendall(fcgi._record(fcgi.BEGIN_REQUEST, struct.pack(">HB5x", 1, 0)) + fcgi._stream(fcgi.PARAMS, fcgi._pairs(params))
                 + fcgi._record(fcgi.STDIN, data[1 << 20:(1 << 20) + 30000]))
    try:
        wait_for(lambda: lease_held(tus_stack, url), what="node 1's PATCH to hold the upload")
        refused = node_request(tus_stack, 1, "PATCH", url, b"x", {"Upload-Offset": str(1 << 20), "Content-Type": OFFSET_TYPE})
        assert refused.status == 423, refused.body
        assert node_request(tus_stack, 1, "DELETE", url).status == 423
    finally:
        held.close()
    # Node 1 saved what arrived and let go; node 2 finishes the upload from there.
    wait_released(tus_stack, url)
    offset = int(node_request(tus_stack, 1, "HEAD", url).headers["upload-offset"])
    assert (1 << 20) <= offset <= (1 << 20) + 30000
    rest = node_request(tus_stack, 1, "PATCH", url, data[offset:], {"Upload-Offset": str(offset), "Content-Type": OFFSET_TYPE})
    assert rest.status == 204, rest.body
    done = node_request(tus_stack, 0, "GET", url)
    assert done.json()["data"]["sha256"] == hashlib.sha256(data).hexdigest()
