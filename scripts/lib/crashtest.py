"""Kills the responder at chosen system calls of a request, restarts it, and checks that every row
agrees with its file (`depot check --deep` is the oracle, plus what each scenario promises).

How a kill point is chosen: the responder runs with one worker thread, and strace attaches to
that thread alone (`strace -p TID`), so its counts are the worker's calls from the moment the
request is sent: a dry run lists the calls the worker makes while it handles the request; then,
for each of them, a fresh store is prepared, strace attached with
`-e inject=SYSCALL:signal=KILL:when=N`, and the request sent. SIGKILL ends the whole process at
that call. The responder is then started again (its start-up recovery runs), stopped, and checked.

Run by scripts/crashtest; scripts/test runs the quick matrix."""
import argparse
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fcgi  # noqa: E402

# The calls that change the store: file data and names, the database's WAL and its syncs, the journal.
SYSCALLS = ["openat", "write", "pwrite64", "fsync", "fdatasync", "link", "linkat", "rename", "renameat", "renameat2", "unlink", "unlinkat", "ftruncate"]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000030000000208020000001216f12e0000001649444154789c63f8cfc0f09f8181818181e1ff7f060600420a07f92a8a6a370000000049454e44ae426082")
# A whole, valid PNG (Pillow's), for the scenarios that decode it (PNG above only has to sniff as one).
IMAGE = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000280000001e0802000000d1bfcb8a0000002c49444154789cedcd3101000004003064d03f8f582af83c5b81e574c7877a59c562b1582c168bc562b1587cb20267012c4d057a860000000049454e44ae426082")
TODAY = time.strftime("%Y-%m-%d", time.gmtime())


class Store:
    """A throwaway storage root and database, and the responder started on them."""

    def __init__(self, binary, durable, pidns):
        self.binary, self.durable, self.pidns = binary, durable, pidns
        self.dir = Path(tempfile.mkdtemp(prefix="depot-crash-"))
        self.socket = str(self.dir / "depot.sock")
        self.env = {
            "PATH": "/usr/bin:/bin", "DEPOT_STORAGE_ROOT": str(self.dir / "storage"),
            "DEPOT_DATABASE_PATH": str(self.dir / "depot.sqlite3"), "DEPOT_STORAGE_DURABLE": "true" if durable else "false",
            "DEPOT_SERVER_ACCESS_LOG": "false", "SWIFT_BACKTRACE": "enable=no", "DEPOT_NGINX_BODY_TEMP_DIR": str(self.dir / "nginx-body"),
        }
        self.process = None

    def command(self):
        command = [self.binary, "--socket", self.socket, "--workers", "1"]
        # As PID 1 of a fresh PID namespace, like every container restart.
        return ["unshare", "--fork", "--pid"] + command if self.pidns else command

    def start(self, probe=True):
        if os.path.exists(self.socket):
            os.unlink(self.socket)
        log = open(self.dir / "stderr.log", "ab")
        self.process = subprocess.Popen(self.command(), env=self.env, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.socket):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"responder did not start: {(self.dir / 'stderr.log').read_text()[-2000:]}")
            time.sleep(0.01)
        # A health request proves it serves (and, after a crash, that recovery ran). The socket file
        # exists from bind(), a moment before listen(): a refused connection is tried again.
        while True:
            response = fcgi.request(self.socket, "GET", "/api/healthz")
            if response is not None and response.status == 200:
                break
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"responder unhealthy: {response and response.body}: {(self.dir / 'stderr.log').read_text()[-1000:]}")
            time.sleep(0.02)

    def worker_thread(self):
        """The worker thread's id: the one thread blocked in accept (one worker, so one such thread)."""
        pid = self.responder_pid()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for tid in os.listdir(f"/proc/{pid}/task"):
                try:
                    number = Path(f"/proc/{pid}/task/{tid}/syscall").read_text().split()[0]
                except OSError:
                    continue
                if number in ("43", "288"):  # accept, accept4 on x86_64
                    return tid
            time.sleep(0.02)
        raise RuntimeError("no worker thread blocked in accept")

    def attach(self, arguments):
        """Attaches strace to the worker thread; returns once it traces."""
        tid = self.worker_thread()
        self.strace = subprocess.Popen(["strace", "-qq", "-p", tid] + arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                tracer = [line for line in Path(f"/proc/{tid}/status").read_text().splitlines() if line.startswith("TracerPid:")]
                if tracer and tracer[0].split()[1] != "0":
                    return
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError("strace did not attach")

    def detach(self):
        if getattr(self, "strace", None) and self.strace.poll() is None:
            self.strace.send_signal(signal.SIGINT)
            self.strace.wait(10)
        self.strace = None

    def responder_pid(self):
        """The responder's pid as this harness sees it (in PID-namespace mode, unshare's child)."""
        if not self.pidns:
            return self.process.pid
        return int(Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()[0])

    def stop(self):
        if self.process and self.process.poll() is None:
            # The responder itself gets SIGTERM (as PID 1 of its namespace too); unshare follows it.
            try:
                os.kill(self.responder_pid(), signal.SIGTERM)
            except (OSError, IndexError, ValueError):
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise RuntimeError("the responder did not stop on SIGTERM within 20 s")
        self.process = None

    def send(self, request):
        method, uri, body, content_type = request[:4]
        extra = request[4] if len(request) > 4 else None
        return fcgi.request(self.socket, method, uri, body, content_type, extra=extra)

    def body_file(self, data):
        """A request body as nginx leaves it for an offloaded PUT: a file in its body temp folder."""
        folder = self.dir / "nginx-body"
        folder.mkdir(exist_ok=True)
        path = folder / f"{len(list(folder.iterdir())):010d}"
        path.write_bytes(data)
        return str(path)

    def check(self):
        result = subprocess.run([self.binary, "check", "--deep"], env=self.env, capture_output=True, text=True)
        return result.returncode, result.stdout

    def db(self):
        return sqlite3.connect(self.dir / "depot.sqlite3")

    def remove(self):
        self.detach()
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# Each scenario: prepare(store) -> state; request(state) -> (method, uri, body, type); verify(store, state) -> error or None.
def upload_new():
    body, kind = fcgi.multipart([("a", "one.txt", b"first file\n"), ("b", "two.txt", b"second file\n")])

    def verify(store, _):
        rows = store.db().execute("SELECT COUNT(*) FROM files").fetchone()[0]
        return None if rows in (0, 2) else f"{rows} of 2 rows: the request was not all or nothing"
    return (lambda store: None), (lambda _: ("POST", "/api/uploads/cms?name=original", body, kind)), verify


def put_offloaded():
    """A PUT whose body nginx wrote to its temp file: adopted (linked) into the store, overwriting."""
    old, new = b"offloaded, version one\n", b"offloaded, version two, longer\n"

    def prepare(store):
        response = store.send(("PUT", "/api/uploads/cms/off.txt?name=original", old, ""))
        assert response and response.status == 201, response and response.body
        return f"/cms/{TODAY}/off.txt"

    def request(_):
        return ("PUT", "/api/uploads/cms/off.txt?name=original&overwrite=1", b"", "",
                {"DEPOT_BODY_FILE": request.store.body_file(new), "CONTENT_LENGTH": str(len(new))})

    def verify(store, path):
        data = (store.dir / "storage" / path.lstrip("/")).read_bytes()
        row = store.db().execute("SELECT sha256 FROM files WHERE path = ?", (path,)).fetchall()
        if data not in (old, new) or len(row) != 1 or hashlib.sha256(data).hexdigest() != row[0][0]:
            return "the row and the bytes disagree"
        return None
    return prepare, request, verify


def overwrite(put):
    old, new = b"old bytes, version one\n", b"new bytes, version two, longer\n"

    def prepare(store):
        body, kind = fcgi.multipart([("f", "report.txt", old)])
        response = store.send(("PUT", "/api/uploads/cms/report.txt?name=original", old, "") if put else
                              ("POST", "/api/uploads/cms?name=original", body, kind))
        assert response and response.status == 201, response and response.body
        return f"/cms/{TODAY}/report.txt"

    def request(_):
        if put:
            return ("PUT", "/api/uploads/cms/report.txt?name=original&overwrite=1", new, "")
        body, kind = fcgi.multipart([("f", "report.txt", new)])
        return ("POST", "/api/uploads/cms?name=original&overwrite=1", body, kind)

    def verify(store, path):
        rows = store.db().execute("SELECT sha256 FROM files WHERE path = ?", (path,)).fetchall()
        if len(rows) != 1:
            return f"{len(rows)} rows at {path}"
        data = (store.dir / "storage" / path.lstrip("/")).read_bytes()
        if data not in (old, new):
            return "the file is neither version"
        if hashlib.sha256(data).hexdigest() != rows[0][0]:
            return "the row describes the other version"
        return None
    return prepare, request, verify


def counted(db):
    """None when the per-mall counters (migration 4) agree with the materials rows, else what differs."""
    counters = dict(((m, t), n) for m, t, n in db.execute("SELECT mall_id, material_type, n FROM material_counts WHERE n != 0"))
    rows = dict(((m, t), n) for m, t, n in db.execute("SELECT mall_id, material_type, COUNT(*) FROM materials GROUP BY 1, 2"))
    return None if counters == rows else f"counters {counters} but rows {rows}"


def put_large():
    """A streamed PUT past 8 MiB: the hash on its own thread, whole blocks written with O_DIRECT."""
    import random
    data = random.Random(16).randbytes((9 << 20) + 4099)

    def verify(store, _):
        rows = store.db().execute("SELECT path, sha256 FROM files").fetchall()
        if not rows:
            return None
        if len(rows) > 1:
            return f"{len(rows)} rows for one PUT"
        stored = (store.dir / "storage" / rows[0][0].lstrip("/")).read_bytes()
        if stored != data or hashlib.sha256(stored).hexdigest() != rows[0][1]:
            return "the stored bytes or their row are not the upload's"
        return None
    return (lambda store: None), (lambda _: ("PUT", "/api/uploads/cms/big.bin?name=original", data, "")), verify


def materials():
    body, kind = fcgi.multipart([("file", "logo.png", PNG), ("file", "notes.txt", b"not a material")])

    def verify(store, _):
        db = store.db()
        files = db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        rows = db.execute("SELECT COUNT(*) FROM materials").fetchone()[0]
        return (None if (files, rows) in ((0, 0), (1, 1)) else f"{files} file rows, {rows} material rows") or counted(db)
    return (lambda store: None), (lambda _: ("POST", "/api/malls/1/materials", body, kind)), verify


def delete_material():
    def prepare(store):
        body, kind = fcgi.multipart([("file", "logo.png", PNG)])
        response = store.send(("POST", "/api/malls/1/materials", body, kind))
        assert response and response.status == 200, response and response.body
        return response.json()["data"][0]["id"]

    def verify(store, material_id):
        db = store.db()
        material = db.execute("SELECT COUNT(*) FROM materials WHERE id = ?", (material_id,)).fetchone()[0]
        files = db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        return (None if (material, files) in ((0, 0), (1, 1)) else f"material row {material}, file rows {files}") or counted(db)
    return prepare, (lambda material_id: ("DELETE", f"/api/materials/{material_id}", b"", "")), verify


def thumbnails_agree(db):
    """None when no thumbnail row outlives its file row (the cascade), else what is wrong."""
    orphans = db.execute("SELECT COUNT(*) FROM thumbnails WHERE file_id NOT IN (SELECT id FROM files)").fetchone()[0]
    return f"{orphans} thumbnail rows without their file" if orphans else None


def thumbnail():
    """The first request for a thumbnail: made, placed under .thumbnails/ and recorded as one unit."""
    def prepare(store):
        response = store.send(("PUT", "/api/uploads/pics/logo.png", IMAGE, "image/png"))
        assert response and response.status == 201, response and response.body
        return response.json()["data"]["id"]

    def verify(store, file_id):
        db = store.db()
        rows = db.execute("SELECT COUNT(*) FROM thumbnails WHERE file_id = ?", (file_id,)).fetchone()[0]
        files = sorted(p.name for p in (store.dir / "storage/.thumbnails").rglob("*") if p.is_file()) if (store.dir / "storage/.thumbnails").exists() else []
        if (rows, len(files)) not in ((0, 0), (1, 1)):
            return f"{rows} thumbnail rows, files {files}"
        # Whatever the crash left, the thumbnail can be made (again) now.
        store.start()
        made = store.send(("GET", f"/api/files/{file_id}/thumbnail?size=64&format=png", b"", ""))
        store.stop()
        return None if made and made.status == 200 else f"after the restart: {made and made.status} {made and made.body[:200]}"
    return prepare, (lambda file_id: ("GET", f"/api/files/{file_id}/thumbnail?size=64&format=png", b"", "")), verify


def delete_thumbnailed():
    """Deleting a material whose file has a thumbnail: its row goes with the file's, its file after."""
    def prepare(store):
        body, kind = fcgi.multipart([("file", "logo.png", IMAGE)])
        response = store.send(("POST", "/api/malls/1/materials", body, kind))
        assert response and response.status == 200, response and response.body
        item = response.json()["data"][0]
        made = store.send(("GET", f"/api/files/{item['url'].rsplit('/', 1)[-1]}/thumbnail?size=64&format=webp", b"", ""))
        assert made and made.status == 200, made and made.body
        return item["id"]

    def verify(store, material_id):
        db = store.db()
        material = db.execute("SELECT COUNT(*) FROM materials WHERE id = ?", (material_id,)).fetchone()[0]
        files = db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        thumbs = db.execute("SELECT COUNT(*) FROM thumbnails").fetchone()[0]
        if (material, files, thumbs) not in ((0, 0, 0), (1, 1, 1)):
            return f"material row {material}, file rows {files}, thumbnail rows {thumbs}"
        return counted(db) or thumbnails_agree(db)
    return prepare, (lambda material_id: ("DELETE", f"/api/materials/{material_id}", b"", "")), verify


TUS_TYPE = "application/offset+octet-stream"


def tus_params(offset=None):
    params = {"HTTP_TUS_RESUMABLE": "1.0.0"}
    if offset is not None:
        params["HTTP_UPLOAD_OFFSET"] = str(offset)
    return params


def resumable(cut, end):
    """A resumable (tus) upload whose PATCH of bytes [cut, end) is killed at each step: after the
    restart, the upload is either where it was or where that PATCH took it (never beyond what its
    data file holds), or complete and placed with its row; and the client can always finish it
    from the offset HEAD reports, with the right SHA-256."""
    data = bytes((i * 7 + i // 251) % 256 for i in range(3000))

    def prepare(store):
        created = store.send(("POST", "/api/tus/cms", b"", "", {**tus_params(), "HTTP_UPLOAD_LENGTH": str(len(data))}))
        assert created and created.status == 201, created and created.body
        url = created.headers["location"]
        if cut:
            first = store.send(("PATCH", url, data[:cut], TUS_TYPE, tus_params(0)))
            assert first and first.status == 204, first and first.body
        return url

    def request(url):
        return ("PATCH", url, data[cut:end], TUS_TYPE, tus_params(cut))

    def verify(store, url):
        file_id = url.rsplit("/", 1)[1]
        db = store.db()
        uploads = db.execute("SELECT upload_offset FROM uploads WHERE id = ?", (file_id,)).fetchall()
        files = db.execute("SELECT path, sha256 FROM files WHERE id = ?", (file_id,)).fetchall()
        db.close()
        if uploads and files:
            return "both an upload row and a file row"
        if uploads and uploads[0][0] not in (cut, end):
            return f"the upload's offset is {uploads[0][0]}, neither {cut} nor {end}"
        store.start()
        try:
            if uploads:
                head = store.send(("HEAD", url, b"", "", tus_params()))
                offset = int(head.headers["upload-offset"])
                # The dead responder's lease is taken over at once (its journal is no longer held).
                rest = store.send(("PATCH", url, data[offset:], TUS_TYPE, tus_params(offset)))
                if not rest or rest.status != 204:
                    return f"resuming at {offset}: {rest and rest.status} {rest and rest.body[:200]}"
            done = store.send(("GET", url, b"", "", tus_params()))
            if end < len(data) and not uploads:
                return "an incomplete upload lost its row"
        finally:
            store.stop()
        if not done or done.status != 200 or done.json()["data"].get("sha256") != hashlib.sha256(data).hexdigest():
            return f"after finishing, the upload is not the whole file: {done and done.body[:200]}"
        path = done.json()["data"]["path"]
        if (store.dir / "storage" / path.lstrip("/")).read_bytes() != data:
            return "the stored bytes are not the upload's"
        return None
    return prepare, request, verify


SCENARIOS = {
    "tus-patch": lambda: resumable(1000, 2000), "tus-complete": lambda: resumable(1000, 3000),
    "upload-new": upload_new, "overwrite": lambda: overwrite(False), "put-overwrite": lambda: overwrite(True),
    "materials": materials, "delete-material": delete_material, "put-offloaded": put_offloaded, "put-large": put_large,
    "thumbnail": thumbnail, "delete-thumbnailed": delete_thumbnailed,
}

LINE = re.compile(r"^([a-z0-9_]+)\(")


def kill_points(binary, scenario, durable, pidns):
    """(syscall, N) for every traced call the worker thread makes while handling the request."""
    prepare, request, _ = SCENARIOS[scenario]()
    store = Store(binary, durable, pidns)
    try:
        store.start()
        state = prepare(store)
        log = store.dir / "strace.log"
        request.store = store
        body = request(state)
        store.attach(["-o", str(log), "-e", "trace=" + ",".join(SYSCALLS + ["accept", "accept4"])])
        response = store.send(body)
        assert response is not None, "the dry run's request failed"
        time.sleep(0.2)
        store.detach()
        counts, points, accepts = {}, [], 0
        for line in log.read_text().splitlines():
            match = LINE.match(line)
            if not match:
                continue
            name = match.group(1)
            if name in ("accept", "accept4"):
                accepts += 1
                if accepts == 1:
                    continue  # the accept strace found in progress: it returns the request's connection
                break  # back to waiting: the request is over
            counts[name] = counts.get(name, 0) + 1
            points.append((name, counts[name]))
        return points
    finally:
        store.remove()


def crash_once(binary, scenario, durable, pidns, syscall, when):
    prepare, request, verify = SCENARIOS[scenario]()
    store = Store(binary, durable, pidns)
    try:
        store.start()
        state = prepare(store)
        request.store = store
        body = request(state)  # before strace attaches: making nginx's body file is not the responder's work
        store.attach(["-o", "/dev/null", "-e", f"trace={syscall}", "-e", f"inject={syscall}:signal=KILL:when={when}"])
        response = store.send(body)
        try:
            store.process.wait(10)
        except subprocess.TimeoutExpired:
            store.detach()
            store.stop()
            return "not reached", None
        store.detach()
        try:
            store.start()  # start-up recovery, then a health request
            store.stop()
        except RuntimeError as error:
            return "DISAGREE", f"no clean restart after the crash: {error}"
        status, output = store.check()
        if status != 0:
            return "DISAGREE", "depot check: " + " | ".join(line for line in output.splitlines()[1:])
        problem = verify(store, state)
        if problem:
            return "DISAGREE", problem
        return ("ok (answered)" if response is not None else "ok"), None
    finally:
        store.remove()


def choose(points, quick):
    if not quick:
        return points
    # One kill at each kind of step, first and last occurrence: the steps that decide agreement.
    chosen, seen = [], {}
    for index, (name, _) in enumerate(points):
        seen.setdefault(name, []).append(index)
    for name, indices in seen.items():
        if name in ("openat", "write") and len(seen) > 2:
            continue
        for index in sorted({indices[0], indices[-1]}):
            chosen.append(points[index])
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--quick", action="store_true", help="a short matrix (scripts/test)")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--durable", choices=["on", "off", "both"], default="both")
    parser.add_argument("--pidns", choices=["on", "off", "both"], default="both")
    args = parser.parse_args()
    scenarios = args.scenario or list(SCENARIOS)
    durables = {"on": [True], "off": [False], "both": [True, False]}[args.durable]
    pidnss = {"on": [True], "off": [False], "both": [True, False]}[args.pidns]
    runs = disagreements = unreached = 0
    started = time.monotonic()
    for scenario in scenarios:
        for durable in durables:
            for pidns in pidnss:
                points = choose(kill_points(args.binary, scenario, durable, pidns), args.quick)
                for syscall, when in points:
                    result, detail = crash_once(args.binary, scenario, durable, pidns, syscall, when)
                    runs += 1
                    disagreements += result == "DISAGREE"
                    unreached += result == "not reached"
                    label = f"{scenario:16} durable={'on ' if durable else 'off'} pidns={'on ' if pidns else 'off'} kill at {syscall}#{when}"
                    print(f"{label:72} {result}{': ' + detail if detail else ''}", flush=True)
    print(f"crashtest: {runs} kills, {disagreements} disagreements, {unreached} not reached, {time.monotonic() - started:.0f} s")
    print(f"crashtest: {runs - disagreements} passed, {disagreements} failed")
    return 1 if disagreements or runs == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
