"""Faults an unlucky operator meets: racing overwrites of one name, full disks. Through real nginx."""
import hashlib
import json
import os
import subprocess
import threading
import time
import http.client
from pathlib import Path

import pytest

from conftest import ROOT, STORE, start_stack
from test_uploads_e2e import AUTH, multipart


@pytest.fixture(scope="module")
def durable_stack():
    stack, stop = start_stack({"DEPOT_STORAGE_DURABLE": "true"}, prefix="depot-race-")
    yield stack
    stop()


def depot_check(stack, deep=True):
    binary = os.environ.get("DEPOT_BINARY") or str(ROOT / ".build/debug/depot")
    env = {"PATH": "/usr/bin:/bin", "DEPOT_STORAGE_ROOT": str(stack.storage), **stack.db_env}
    return subprocess.run([binary, "check"] + (["--deep"] if deep else []), env=env, capture_output=True, text=True)


def race(stack, method, path_for, body_for, headers_for, writers=32):
    """`writers` concurrent overwrites of one name while readers fetch it; returns the versions."""
    versions = [f"version {i:02d} ".encode() * (50 + i) for i in range(writers)]
    statuses, read_errors = [], []
    stop = threading.Event()

    def write(i):
        r = stack.request(method, path_for(i), body=body_for(versions[i]), headers=headers_for(versions[i]))
        statuses.append(r.status)

    def read(url):
        while not stop.is_set():
            r = stack.request("GET", url)
            if r.status == 200 and r.body not in versions:
                read_errors.append(f"a reader got bytes that are no version ({len(r.body)} bytes)")
            elif r.status not in (200, 404):
                read_errors.append(f"a reader got {r.status}")

    return versions, statuses, read_errors, write, read, stop


def assert_row_agrees(stack, stored_path, versions):
    with stack.db() as db:
        rows = db.execute("SELECT sha256, size FROM files WHERE path = ?", (stored_path,))
    assert len(rows) == 1, rows
    data = (stack.storage / stored_path.lstrip("/")).read_bytes()
    assert data in versions
    assert (hashlib.sha256(data).hexdigest(), len(data)) == rows[0], "the row describes other bytes than its path serves"


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_concurrent_overwrites_of_one_name_leave_row_and_bytes_agreeing(durable_stack, method):
    stack = durable_stack
    name = f"race-{method.lower()}.txt"
    if method == "POST":
        path_for = lambda i: "/api/uploads/race?name=original&overwrite=1"
        def body_for(data):
            return multipart([("f", name, None, data)], boundary="raceboundary")[0]
        def headers_for(data):
            return {**AUTH, "Content-Type": multipart([("f", name, None, data)], boundary="raceboundary")[1]}
    else:
        path_for = lambda i: f"/api/uploads/race/{name}?name=original&overwrite=1"
        body_for = lambda data: data
        headers_for = lambda data: dict(AUTH)
    for trial in range(3):
        versions, statuses, read_errors, write, read, stop = race(stack, method, path_for, body_for, headers_for)
        first = stack.request(method, path_for(0), body=body_for(versions[0]), headers=headers_for(versions[0]))
        assert first.status == 201, first.body
        stored_path = first.json["data"]["files"][0]["path"] if method == "POST" else first.json["data"]["path"]
        readers = [threading.Thread(target=read, args=(f"/api/files/path{stored_path}",)) for _ in range(4)]
        writers = [threading.Thread(target=write, args=(i,)) for i in range(len(versions))]
        for t in readers + writers:
            t.start()
        for t in writers:
            t.join()
        stop.set()
        for t in readers:
            t.join()
        assert statuses == [201] * len(versions), statuses
        assert read_errors == [], read_errors[:5]
        assert_row_agrees(stack, stored_path, versions)
    result = depot_check(stack)
    assert result.returncode == 0, result.stdout


@pytest.fixture
def full_disk_stack():
    """Storage, database and nginx's body files on one 4 MiB tmpfs (needs root, as CI has)."""
    assert os.geteuid() == 0, "this test mounts a tmpfs and must run as root (CI does)"
    import tempfile
    var = Path(tempfile.mkdtemp(prefix="depot-disk-"))
    disk = var / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
    try:
        stack, stop = start_stack({"DEPOT_STORAGE_ROOT": str(disk / "storage"), "DEPOT_DATABASE_PATH": str(disk / "depot.sqlite3")},
                                  prefix="depot-disk-stack-")
        # nginx's body files on the same small disk: unmount-safe bind of its temp folder.
        body_temp = stack.var / "nginx/client_body_temp"
        (disk / "body").mkdir()
        subprocess.run(["mount", "--bind", str(disk / "body"), str(body_temp)], check=True)
        try:
            yield stack, disk
        finally:
            stop_ok = True
            subprocess.run(["umount", str(body_temp)], check=False)
            stop()
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_full_disk_answers_in_the_envelope_and_healthz_says_full(full_disk_stack):
    stack, disk = full_disk_stack
    data = stack.request("GET", "/api/healthz").json["data"]
    assert (data["db"], data["storage"], data["store"]) == ("ok", "ok", STORE)
    filler = disk / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    try:
        # nginx cannot write the PUT body: 507 in Depot's envelope, not nginx's HTML 500.
        conn = http.client.HTTPConnection(stack.base.split("//")[1], timeout=30)
        conn.request("PUT", "/api/uploads/full/x.bin", body=os.urandom(256 * 1024), headers=AUTH)
        r = conn.getresponse()
        raw = r.read()
        assert r.status == 507, raw
        assert json.loads(raw)["code"] == 50700
        health = stack.request("GET", "/api/healthz")
        assert health.status == 507, health.body
        # The SQLite file is on the full disk too; PostgreSQL is elsewhere and still has room.
        data = health.json["data"]
        assert (data["db"], data["storage"]) == ("ok" if STORE == "postgresql" else "full", "full")
    finally:
        filler.unlink()
    assert stack.request("GET", "/api/healthz").status == 200
    after = stack.request("PUT", "/api/uploads/full/ok.bin", body=b"fits", headers=AUTH)
    assert after.status == 201, stack.log[-3000:]
