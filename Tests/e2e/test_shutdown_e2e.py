"""SIGTERM with requests queued: nothing is lost, with socket activation or with Depot's own socket."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from conftest import ROOT, database_env

sys.path.insert(0, str(ROOT / "scripts/lib"))
import fcgi  # noqa: E402

BINARY = os.environ.get("DEPOT_BINARY") or str(ROOT / ".build/debug/depot")


def environment(var):
    return {"PATH": "/usr/bin:/bin", "DEPOT_STORAGE_ROOT": str(var / "storage"), **database_env(var, "db.sqlite3"),
            "DEPOT_SERVER_DEBUG_ROUTES": "true", "DEPOT_STORAGE_DURABLE": "false", "DEPOT_SERVER_ACCESS_LOG": "false"}


def fire(path, count):
    """`count` concurrent requests (slow ones and uploads); returns the statuses once all ended."""
    statuses = [None] * count

    def one(i):
        if i % 4 == 3:
            response = fcgi.request(path, "PUT", f"/api/uploads/queued/f{i}.txt", body=b"queued upload %d" % i)
        else:
            response = fcgi.request(path, "GET", "/api/_debug/sleep?ms=400")
        statuses[i] = response.status if response else "connection lost"

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
        time.sleep(0.005)
    return threads, statuses


def test_restart_under_socket_activation_loses_no_queued_request():
    var = Path(tempfile.mkdtemp(prefix="depot-activation-"))
    path = str(var / "depot.sock")
    # The supervisor's socket (systemd's ListenStream=): it outlives every responder it starts.
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(128)
    first = subprocess.Popen([BINARY, "--workers", "4"], stdin=listener.fileno(), env=environment(var), stderr=subprocess.PIPE)
    time.sleep(0.5)
    threads, statuses = fire(path, 20)
    time.sleep(0.2)  # 4 in flight, the rest queued in the backlog
    first.send_signal(signal.SIGTERM)
    assert first.wait(20) == 0
    second = subprocess.Popen([BINARY, "--workers", "4"], stdin=listener.fileno(), env=environment(var), stderr=subprocess.PIPE)
    for thread in threads:
        thread.join(30)
    second.send_signal(signal.SIGTERM)
    assert second.wait(20) == 0
    listener.close()
    assert statuses.count(200) == 15 and statuses.count(201) == 5, statuses
    log = first.stderr.read().decode()
    assert "signal 15" in log


def test_sigterm_serves_what_is_already_queued_on_its_own_socket():
    var = Path(tempfile.mkdtemp(prefix="depot-drain-"))
    path = str(var / "depot.sock")
    depot = subprocess.Popen([BINARY, "--socket", path, "--workers", "4"], env=environment(var), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not os.path.exists(path):
        assert time.monotonic() < deadline and depot.poll() is None
        time.sleep(0.02)
    threads, statuses = fire(path, 20)
    time.sleep(0.2)
    depot.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(30)
    assert depot.wait(20) == 0
    assert statuses.count(200) == 15 and statuses.count(201) == 5, statuses
    assert not os.path.exists(path), "the socket file is removed"
