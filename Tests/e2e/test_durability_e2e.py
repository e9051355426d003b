"""With storage.durable, an offloaded PUT body (nginx's temp file) is synced before it is linked
into the store: nginx never syncs it, and a link to unsynced data can come back empty after a power
cut while its committed row says otherwise."""
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conftest import ROOT, database_env

sys.path.insert(0, str(ROOT / "scripts/lib"))
import fcgi  # noqa: E402

BINARY = os.environ.get("DEPOT_BINARY") or str(ROOT / ".build/debug/depot")


def test_durable_offloaded_put_is_synced_before_it_is_linked():
    var = Path(tempfile.mkdtemp(prefix="depot-durable-"))
    body_dir = var / "body"
    body_dir.mkdir()
    body = body_dir / "0000000001"
    body.write_bytes(b"an offloaded body\n" * 100)
    socket_path = str(var / "depot.sock")
    log = var / "strace.log"
    env = {"PATH": "/usr/bin:/bin", "DEPOT_STORAGE_ROOT": str(var / "storage"), **database_env(var, "db.sqlite3"),
           "DEPOT_STORAGE_DURABLE": "true", "DEPOT_NGINX_BODY_TEMP_DIR": str(body_dir)}
    depot = subprocess.Popen(["strace", "-f", "-qq", "-o", str(log), "-e", "trace=openat,close,fsync,fdatasync,link,linkat",
                              BINARY, "--socket", socket_path, "--workers", "1"], env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            response = fcgi.request(socket_path, "GET", "/api/healthz") if os.path.exists(socket_path) else None
            if response is not None:
                break
            assert time.monotonic() < deadline
            time.sleep(0.05)
        response = fcgi.request(socket_path, "PUT", "/api/uploads/durable/a.txt", extra={
            "DEPOT_BODY_FILE": str(body), "CONTENT_LENGTH": str(body.stat().st_size)})
        assert response is not None and response.status == 201, response and response.body
    finally:
        # SIGTERM to the responder itself (strace's child); strace ends with it.
        children = Path(f"/proc/{depot.pid}/task/{depot.pid}/children").read_text().split()
        for child in children:
            os.kill(int(child), 15)
        depot.wait(20)
    # Follow each descriptor from its openat to its close: a synced descriptor must be the body file's
    # at the moment of the fsync (descriptor numbers are reused, e.g. by the directory sync).
    open_files, synced, linked = {}, None, None
    for index, line in enumerate(log.read_text().splitlines()):
        if m := re.search(r'openat\(AT_FDCWD, "([^"]+)", [^)]*\) = (\d+)', line):
            open_files[m.group(2)] = m.group(1)
        elif m := re.search(r"\bclose\((\d+)\)", line):
            open_files.pop(m.group(1), None)
        elif m := re.search(r"\bf(?:data)?sync\((\d+)\)", line):
            if open_files.get(m.group(1)) == str(body) and synced is None:
                synced = index
        elif "link" in line and str(body) in line and linked is None:
            linked = index
    assert linked is not None, "the body file was never linked"
    assert synced is not None, "the body file was never synced"
    assert synced < linked, "the body file was linked before it was synced"
