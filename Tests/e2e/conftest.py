"""End-to-end fixtures: the real responder binary behind a real nginx on a free port."""
import json
import os
import re
import sqlite3
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "e2e-token"
# `scripts/test` runs this suite a second time with this set: every stack then keeps its rows in a
# PostgreSQL schema of its own instead of a SQLite file.
PG_URL = os.environ.get("DEPOT_TEST_DATABASE_URL", "")
STORE = "postgresql" if PG_URL else "sqlite"


def database_env(var: Path, name="depot.sqlite3") -> dict:
    """The DEPOT_* settings that give a responder in `var` a database of its own, on either store."""
    if not PG_URL:
        return {"DEPOT_DATABASE_PATH": str(var / name)}
    import psycopg
    schema = "e_" + re.sub(r"[^a-z0-9]", "_", var.name.lower())
    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    separator = "&" if "?" in PG_URL else "?"
    return {"DEPOT_DATABASE_URL": f"{PG_URL}{separator}options=-csearch_path%3D{schema}"}


class Database:
    """The rows behind a responder, read and written as a test oracle: sqlite3 or psycopg.
    SQL uses `?` placeholders on both."""

    def __init__(self, env: dict):
        self.postgres = "DEPOT_DATABASE_URL" in env
        if self.postgres:
            import psycopg
            self.connection = psycopg.connect(env["DEPOT_DATABASE_URL"])
        else:
            self.connection = sqlite3.connect(env["DEPOT_DATABASE_PATH"], timeout=30)

    def execute(self, sql: str, params=()):
        if self.postgres:
            sql = sql.replace("?", "%s")
        cursor = self.connection.execute(sql, params)
        return cursor.fetchall() if cursor.description else []

    def commit(self):
        self.connection.commit()

    def close(self):
        self.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.commit()
        self.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds=20.0, what="condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class Stack:
    base: str
    var: Path
    storage: Path
    depot: subprocess.Popen
    nginx: subprocess.Popen
    db_env: dict
    # Several responders (start_stack(nodes=N)): their processes, sockets and environment.
    depots: list = None
    sockets: list = None
    env: dict = None

    def db(self) -> "Database":
        return Database(self.db_env)

    @property
    def log(self) -> str:
        return (self.var / "depot.log").read_text(errors="replace")

    def request(self, method, path, body=None, headers=None, timeout=60) -> Response:
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Response(r.status, dict(r.headers), r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, dict(e.headers), e.read())


def start_nginx(var: Path, port: int, sock: Path, storage: Path, max_body="16m", put_body=None) -> subprocess.Popen:
    """`put_body`: "stream" or "offload" (scripts/nginx-render's DEPOT_PUT_BODY); None for its default."""
    env = {**os.environ, **({"DEPOT_PUT_BODY": put_body} if put_body else {})}
    subprocess.run([str(ROOT / "scripts/nginx-render"), str(var), str(port), str(sock), str(storage), max_body], check=True, env=env)
    nginx = subprocess.Popen(
        ["nginx", "-p", str(var / "nginx"), "-e", str(var / "nginx/error.log"), "-c", str(var / "nginx/nginx.conf")]
    )
    wait_for(lambda: port_open(port), what="nginx")
    return nginx


def stop_nginx(nginx: subprocess.Popen):
    nginx.send_signal(signal.SIGQUIT)
    try:
        nginx.wait(timeout=10)
    except subprocess.TimeoutExpired:
        nginx.kill()


def start_stack(extra_env=None, prefix="depot-e2e-", nodes=1, max_body="16m", put_body=None):
    """Starts the responder (or `nodes` responders sharing storage and database, node names
    node-1..N, behind one nginx upstream) and nginx on a free port; returns (Stack, stop)."""
    binary = os.environ.get("DEPOT_BINARY") or str(ROOT / ".build/debug/depot")
    var = Path(tempfile.mkdtemp(prefix=prefix))
    storage = var / "storage"
    sock = var / "run/depot.sock"
    (var / "run").mkdir(parents=True)
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DEPOT_STORAGE_ROOT": str(storage),
        "DEPOT_NGINX_BODY_TEMP_DIR": str(var / "nginx/client_body_temp"),
        "DEPOT_SERVER_DEBUG_ROUTES": "true",
        "DEPOT_AUTH_TOKEN": TOKEN,
        "DEPOT_STORAGE_DURABLE": "false",
        **(extra_env or {}),
    }
    db_env = {k: v for k, v in env.items() if k in ("DEPOT_DATABASE_PATH", "DEPOT_DATABASE_URL")} or database_env(var)
    if PG_URL and "DEPOT_DATABASE_URL" not in db_env:
        db_env = database_env(var)
    env.update(db_env)
    log = open(var / "depot.log", "wb")
    sockets = [sock] if nodes == 1 else [var / f"run/depot-{n}.sock" for n in range(1, nodes + 1)]
    depots = []
    for index, path in enumerate(sockets):
        node_env = env if nodes == 1 else {**env, "DEPOT_SERVER_NODE": f"node-{index + 1}"}
        depots.append(subprocess.Popen([binary, "--socket", str(path), "--workers", "4"], env=node_env, cwd=var, stderr=log))
    for path in sockets:
        wait_for(path.exists, what="the responder socket")
    nginx = start_nginx(var, port, ",".join(str(p) for p in sockets), storage, max_body, put_body)
    stack = Stack(f"http://127.0.0.1:{port}", var, storage, depots[0], nginx, db_env, depots, sockets, env)

    def stop():
        stop_nginx(nginx)
        statuses = []
        for depot in stack.depots:
            depot.send_signal(signal.SIGTERM)
        for depot in stack.depots:
            statuses.append(depot.wait(timeout=20))
        log.close()
        assert all(status == 0 for status in statuses), (statuses, (var / "depot.log").read_text()[-2000:])
        shutil.rmtree(var, ignore_errors=True)

    return stack, stop


@pytest.fixture(scope="session")
def stack():
    # scripts/test's PostgreSQL pass serves the shared stack through two responders.
    started, stop = start_stack(nodes=int(os.environ.get("DEPOT_TEST_NODES", "1")))
    yield started
    stop()
