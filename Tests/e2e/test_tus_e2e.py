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
import threading
import time
from pathlib import Path

import pytest
from tusclient import client as tus_client

from conftest import TOKEN, start_stack, wait_for

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
    def settled():
        response = patch(tus_stack, url, 999_999_999, b"")
        return response.status == 409
    wait_for(settled, what="the cut PATCH to be saved and its lease let go")
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
        wait_for(lambda: patch(tus_stack, url, 0, data[:10]).status == 423, what="the second PATCH to be refused with 423")
        # HEAD never waits for the PATCH.
        started = time.monotonic()
        assert head(tus_stack, url).status == 200
        assert time.monotonic() - started < 2
    finally:
        sock.close()
    wait_for(lambda: patch(tus_stack, url, 999_999_999, b"").status == 409, what="the lease to be let go")
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
