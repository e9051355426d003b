"""Two responders sharing one storage root and one database behind one nginx upstream: on SQLite
(two processes on one machine may share the file) and, in the PostgreSQL pass, on PostgreSQL."""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

import tempfile
from pathlib import Path

from conftest import ROOT, STORE, Database, database_env, start_stack, wait_for
from test_uploads_e2e import AUTH

sys.path.insert(0, str(ROOT / "scripts/lib"))
import fcgi  # noqa: E402


@pytest.fixture(scope="module")
def pair():
    stack, stop = start_stack(prefix="depot-pair-", nodes=2)
    yield stack
    stop()


def via(stack, node, method, uri, body=b"", headers=None):
    """One request straight to responder `node` (0 or 1), past nginx."""
    return fcgi.request(str(stack.sockets[node]), method, uri, body=body, headers={**AUTH, **(headers or {})})


def depot_check(stack):
    binary = os.environ.get("DEPOT_BINARY") or str(ROOT / ".build/debug/depot")
    env = {"PATH": "/usr/bin:/bin", "DEPOT_STORAGE_ROOT": str(stack.storage), **stack.db_env}
    return subprocess.run([binary, "check", "--deep"], env=env, capture_output=True, text=True)


def test_each_node_reads_what_the_other_stored(pair):
    put = via(pair, 0, "PUT", "/api/uploads/pair/a.txt", body=b"stored by node 1")
    assert put.status == 201, put.body
    file_id, path = put.json()["data"]["id"], put.json()["data"]["path"]
    got = via(pair, 1, "GET", f"/api/files/{file_id}")
    assert got.status == 200 and got.headers["x-accel-redirect"].endswith(path)
    assert via(pair, 1, "GET", "/api/healthz").json()["data"]["node"] == "node-2"
    assert via(pair, 0, "GET", "/api/healthz").json()["data"]["store"] == STORE
    # Through nginx, whichever node answers: the bytes.
    for _ in range(4):
        assert pair.request("GET", f"/api/files/{file_id}").body == b"stored by node 1"
    deleted = via(pair, 1, "PUT", "/api/uploads/pair/b.txt", body=b"x")
    assert deleted.status == 201


def test_a_same_name_race_over_two_nodes_gives_one_201_and_the_rest_409(pair):
    statuses = []
    lock = threading.Lock()

    def put(i):
        r = via(pair, i % 2, "PUT", "/api/uploads/pair/contested.txt?name=original", body=f"writer {i}".encode())
        with lock:
            statuses.append(r.status if r else None)

    threads = [threading.Thread(target=put, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * 15, statuses
    with pair.db() as db:
        rows = db.execute("SELECT path, sha256 FROM files WHERE path LIKE ?", ("%/contested.txt",))
    assert len(rows) == 1
    data = (pair.storage / rows[0][0].lstrip("/")).read_bytes()
    assert hashlib.sha256(data).hexdigest() == rows[0][1]


def test_overwrites_racing_readers_across_nodes_leave_row_and_bytes_agreeing(pair):
    versions = [f"version {i:02d} ".encode() * (40 + i) for i in range(24)]
    first = via(pair, 0, "PUT", "/api/uploads/pair/hot.txt?name=original&overwrite=1", body=versions[0])
    assert first.status == 201
    path = first.json()["data"]["path"]
    errors, statuses = [], []
    stop = threading.Event()

    def write(i):
        r = via(pair, i % 2, "PUT", "/api/uploads/pair/hot.txt?name=original&overwrite=1", body=versions[i])
        statuses.append(r.status if r else None)

    def read():
        while not stop.is_set():
            r = pair.request("GET", f"/api/files/path{path}")
            if r.status == 200 and r.body not in versions:
                errors.append(f"bytes that are no version ({len(r.body)})")
            elif r.status not in (200, 404):
                errors.append(f"status {r.status}")

    readers = [threading.Thread(target=read) for _ in range(3)]
    writers = [threading.Thread(target=write, args=(i,)) for i in range(len(versions))]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert statuses == [201] * len(versions), statuses
    assert errors == [], errors[:5]
    with pair.db() as db:
        rows = db.execute("SELECT sha256, size FROM files WHERE path = ?", (path,))
    data = (pair.storage / path.lstrip("/")).read_bytes()
    assert [(hashlib.sha256(data).hexdigest(), len(data))] == [tuple(rows[0])] and len(rows) == 1
    result = depot_check(pair)
    assert result.returncode == 0, result.stdout


def test_kill_9_of_one_node_mid_uploads_the_other_serves_and_nothing_is_partial():
    stack, stop_stack = start_stack(prefix="depot-kill-", nodes=2)
    try:
        results = []
        stop = threading.Event()

        def upload(worker):
            n = 0
            while not stop.is_set():
                body = os.urandom(200_000 + worker)
                r = stack.request("PUT", f"/api/uploads/kill/w{worker}-{n}.bin", body=body, headers=AUTH)
                results.append(r.status)
                n += 1

        threads = [threading.Thread(target=upload, args=(w,)) for w in range(6)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        victim = stack.depots[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        killed_at = len(results)
        time.sleep(1.5)
        # The survivor kept serving: nginx sent new requests to it.
        after_kill = results[killed_at:]
        assert after_kill.count(201) >= 5, after_kill
        # The killed node starts again with the same node name and repairs its own work.
        binary = os.environ.get("DEPOT_BINARY") or str(ROOT / ".build/debug/depot")
        env = {**stack.env, "DEPOT_SERVER_NODE": "node-1"}
        stack.sockets[0].unlink(missing_ok=True)
        restarted = subprocess.Popen([binary, "--socket", str(stack.sockets[0]), "--workers", "4"], env=env, cwd=stack.var,
                                     stderr=subprocess.DEVNULL)
        stack.depots[0] = restarted
        wait_for(stack.sockets[0].exists, what="the restarted responder")
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        assert set(results) <= {201, 502, 503}, sorted(set(results))
        result = depot_check(stack)
        assert result.returncode == 0, result.stdout
        assert via(stack, 0, "GET", "/api/healthz").status == 200
    finally:
        stop_stack()


def test_responders_starting_at_once_on_an_empty_database_all_start_and_migrate_once():
    """Three responders at the same moment on a new database, five times: every one starts (on
    SQLite the switch to WAL used to fail one of them now and then with 'database is locked')."""
    binary = os.environ.get("DEPOT_BINARY") or str(ROOT / ".build/debug/depot")
    for trial in range(5):
        var = Path(tempfile.mkdtemp(prefix="depot-twins-"))
        db_env = database_env(var)
        processes = []
        for node in ("a", "b", "c"):
            env = {"PATH": "/usr/bin:/bin", "DEPOT_STORAGE_ROOT": str(var / "storage"), "DEPOT_SERVER_NODE": f"twin-{node}",
                   "DEPOT_STORAGE_DURABLE": "false", **db_env}
            processes.append((var / f"{node}.sock", subprocess.Popen([binary, "--socket", str(var / f"{node}.sock"), "--workers", "2"],
                                                                     env=env, stderr=subprocess.PIPE)))
        try:
            for sock, process in processes:
                wait_for(lambda: sock.exists() or process.poll() is not None, what="a responder socket")
                assert process.poll() is None, (trial, process.stderr.read().decode()[-500:])
            with Database(db_env) as db:
                assert db.execute("SELECT version FROM schema_version ORDER BY version") == [(1,), (2,), (3,), (4,), (5,)]
        finally:
            for _, process in processes:
                process.terminate()
                process.wait(timeout=20)
            shutil.rmtree(var, ignore_errors=True)
