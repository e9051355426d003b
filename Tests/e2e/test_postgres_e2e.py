"""PostgreSQL faults with the real cluster: restarted while serving, responders starting at once.
These run in the PostgreSQL pass of scripts/test (which starts the cluster and sets
DEPOT_TEST_PG_DIR); the SQLite pass has no cluster to stop."""
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import PG_URL, ROOT, Database, database_env, start_stack, wait_for
from test_uploads_e2e import AUTH, multipart

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL pass only (scripts/test runs it)")
PG_DIR = os.environ.get("DEPOT_TEST_PG_DIR", "")


def pg_ctl(*args):
    binary = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
    command = [str(binary), "-D", f"{PG_DIR}/data", "-w", "-t", "60", *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--"] + command
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def start_cluster():
    pg_ctl("-l", f"{PG_DIR}/server.log", "-o", f"-c listen_addresses='' -k {PG_DIR} -c fsync=off -c max_connections=300", "start")


def stored_files(stack):
    return sorted(str(p.relative_to(stack.storage)) for p in stack.storage.rglob("*")
                  if p.is_file() and ".tmp" not in p.parts and p.name != ".healthz-probe")


def test_a_restart_while_serving_is_503_50300_then_recovers_by_itself():
    assert PG_DIR, "scripts/test sets DEPOT_TEST_PG_DIR"
    # Durable: commits wait for the WAL flush, so a crash of the database loses none of them.
    stack, stop = start_stack({"DEPOT_STORAGE_DURABLE": "true"}, prefix="depot-pg-restart-")
    try:
        before = stack.request("PUT", "/api/uploads/pg/before.txt", body=b"before", headers=AUTH)
        assert before.status == 201
        pg_ctl("-m", "immediate", "stop")
        try:
            for _ in range(3):
                put = stack.request("PUT", "/api/uploads/pg/during.txt?name=original", body=b"during", headers=AUTH)
                assert put.status == 503, put.body
                assert put.json["code"] == 50300 and "SQLSTATE" not in put.json["msg"]
                body, content_type = multipart([("f", "a.bin", None, b"some bytes")])
                upload = stack.request("POST", "/api/uploads/pg", body=body, headers={**AUTH, "Content-Type": content_type})
                assert upload.status == 503 and upload.json["code"] == 50300
                assert stack.request("GET", f"/api/files/{before.json['data']['id']}").status == 503
                health = stack.request("GET", "/api/healthz")
                assert health.status == 500 and health.json["data"]["db"] == "error"
        finally:
            start_cluster()
        # No half-placed file: nothing was stored while the database was away.
        assert stored_files(stack) == [before.json["data"]["path"].lstrip("/")]
        # Back by itself, no restart of the responder.
        wait_for(lambda: stack.request("GET", "/api/healthz").status == 200, seconds=30, what="recovery")
        after = stack.request("PUT", "/api/uploads/pg/after.txt", body=b"after", headers=AUTH)
        assert after.status == 201, (after.body, stack.log[-1500:])
        assert stack.request("GET", f"/api/files/{before.json['data']['id']}").status == 200
        assert stack.depot.poll() is None
    finally:
        stop()


def test_start_up_with_the_database_down_fails_naming_database_url_without_the_password():
    binary = os.environ.get("DEPOT_BINARY") or str(ROOT / ".build/debug/depot")
    var = Path(tempfile.mkdtemp(prefix="depot-pg-down-"))
    db_env = database_env(var)
    # The URL as an operator writes it, with a password (trust auth ignores it).
    url = db_env["DEPOT_DATABASE_URL"].replace("postgresql://postgres@", "postgresql://postgres:s3cret-pass@")
    pg_ctl("-m", "immediate", "stop")
    try:
        env = {"PATH": "/usr/bin:/bin", "DEPOT_STORAGE_ROOT": str(var / "storage"), "DEPOT_DATABASE_URL": url}
        result = subprocess.run([binary, "--socket", str(var / "d.sock")], env=env, capture_output=True, text=True, timeout=60)
    finally:
        start_cluster()
    assert result.returncode != 0
    assert "database.url postgresql://postgres:***@/depot" in result.stderr, result.stderr
    assert "s3cret-pass" not in result.stderr
    assert not (var / "d.sock").exists()
