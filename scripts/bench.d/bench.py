"""Depot upload benchmarks with same-run baselines (see scripts/bench). Loopback only, bounded runs."""
import glob
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = sys.argv[1]
REPS = int(os.environ.get("REPS", "5"))
BIG_MB = int(os.environ.get("BIG_MB", "1024"))
HUGE_MB = int(os.environ.get("HUGE_MB", "4096"))
W_SECONDS = int(os.environ.get("W_SECONDS", "10"))
# var/ does not exist in a fresh clone.
os.makedirs(os.environ.get("BENCH_DIR", str(ROOT / "var")), exist_ok=True)
VAR = Path(tempfile.mkdtemp(prefix="depot-bench-", dir=os.environ.get("BENCH_DIR", str(ROOT / "var"))))


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError


class Responder:
    def __init__(self, durable, accel=True, sock=None, extra_env=None):
        self.sock = sock or VAR / "run/depot.sock"
        env = {"PATH": os.environ["PATH"], "DEPOT_STORAGE_ROOT": str(VAR / "storage"), "DEPOT_DATABASE_PATH": str(VAR / "depot.sqlite3"),
               "DEPOT_NGINX_BODY_TEMP_DIR": str(VAR / "nginx/client_body_temp"), "DEPOT_STORAGE_DURABLE": "true" if durable else "false",
               "DEPOT_SERVER_ACCESS_LOG": "false", "DEPOT_LIMITS_MAX_REQUEST_SIZE": "16G", "DEPOT_LIMITS_MAX_FILE_SIZE": "16G",
               "DEPOT_DOWNLOADS_ACCEL": "true" if accel else "false", **(extra_env or {})}
        if self.sock.exists():
            self.sock.unlink()
        self.process = subprocess.Popen([BINARY, "--socket", str(self.sock)], env=env, stderr=open(VAR / "depot.log", "ab"))
        wait_for(self.sock.exists)

    def reset_peak(self):
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def rss_mib(self):
        return process_rss_mib(self.process.pid)

    def peak_rss_mib(self):
        return process_peak_rss_mib(self.process.pid)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def start_php():
    run = VAR / "php"
    run.mkdir(exist_ok=True)
    (VAR / "php-store").mkdir(exist_ok=True)
    (VAR / "php-tmp").mkdir(exist_ok=True)
    fpm = sorted(glob.glob("/usr/sbin/php-fpm*"))[-1]
    conf = run / "fpm.conf"
    conf.write_text(f"""[global]
pid = {run}/fpm.pid
error_log = {run}/fpm.log
daemonize = no
[www]
user = root
listen = {run}/fpm.sock
pm = static
pm.max_children = 4
env[STORE] = {VAR}/php-store
php_admin_value[upload_tmp_dir] = {VAR}/php-tmp
php_admin_value[upload_max_filesize] = 16G
php_admin_value[post_max_size] = 16G
php_admin_value[max_file_uploads] = 1000
""")
    process = subprocess.Popen([fpm, "-R", "-F", "-y", str(conf)], stderr=subprocess.DEVNULL)
    wait_for(lambda: (run / "fpm.sock").exists())
    return process


def start_nginx(port, sockets=None):
    render_nginx(port, sockets)
    process = subprocess.Popen(["nginx", "-p", str(VAR / "nginx"), "-e", str(VAR / "nginx/error.log"), "-c", str(VAR / "nginx/nginx.conf")])
    time.sleep(0.5)
    return process


def reload_nginx(nginx, port, sockets):
    """Points the depot upstream at other sockets (SIGHUP: new workers, no dropped connections)."""
    render_nginx(port, sockets)
    nginx.send_signal(signal.SIGHUP)
    time.sleep(1.0)


def render_nginx(port, sockets=None):
    sockets = sockets or [VAR / "run/depot.sock"]
    subprocess.run([str(ROOT / "scripts/nginx-render"), str(VAR), str(port), ",".join(str(s) for s in sockets), str(VAR / "storage"), "16g"],
                   check=True)
    (VAR / "dav").mkdir(exist_ok=True)
    peers = f"""
server {{
    listen 127.0.0.1:{port + 1};
    client_max_body_size 16g;
    access_log off;
    # Same body buffer as Depot's upload locations (1m): with nginx's 16k default the baseline writes
    # its temp file in small pieces and is 20-30% slower, which would flatter Depot.
    location /dav/ {{ alias {VAR}/dav/; client_body_temp_path {VAR}/nginx/client_body_temp; client_body_buffer_size 1m; dav_methods PUT; create_full_put_path on; }}
    location /static/ {{ alias {VAR}/storage/; }}
    # Depot's raw PUT the other way than the site's default (DEPOT_PUT_BODY=offload): nginx writes
    # the body to its temp file, the responder hashes it and link()s it into storage.
    location ^~ /api/uploads/ {{ rewrite ^ /_peer_offload$uri last; }}
    location /_peer_offload/ {{
        internal;
        client_body_in_file_only clean;
        client_body_buffer_size 1m;
        fastcgi_pass_request_body off;
        include {ROOT}/nginx/fastcgi_params;
        fastcgi_param DEPOT_BODY_FILE $request_body_file;
        fastcgi_pass depot_responders;
        fastcgi_read_timeout 600s;
    }}
    location /_bench_protected/ {{ internal; alias {VAR}/data/; }}
    location = /php/xaccel {{
        include {ROOT}/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME {ROOT}/scripts/bench.d/xaccel.php;
        fastcgi_pass unix:{VAR}/php/fpm.sock;
    }}
    location = /floor/xaccel {{
        include {ROOT}/nginx/fastcgi_params;
        fastcgi_pass unix:{VAR}/run/floor.sock;
    }}
    location /floor/lookup/ {{
        include {ROOT}/nginx/fastcgi_params;
        fastcgi_pass unix:{VAR}/run/floor-lookup.sock;
    }}
    location = /floor/upload {{
        include {ROOT}/nginx/fastcgi_params;
        fastcgi_pass unix:{VAR}/run/floor-upload.sock;
    }}
    location = /floor/upload-php {{
        include {ROOT}/nginx/fastcgi_params;
        fastcgi_pass unix:{VAR}/run/floor-upload-php.sock;
    }}
    location = /floor/upload-depot {{
        include {ROOT}/nginx/fastcgi_params;
        fastcgi_pass unix:{VAR}/run/floor-upload-depot.sock;
    }}
    location /_stored/ {{ internal; alias {VAR}/storage/; add_header X-Content-Type-Options nosniff always; }}
    location = /php/materials {{
        include {ROOT}/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME {ROOT}/scripts/bench.d/materials.php;
        fastcgi_pass unix:{VAR}/php/fpm.sock;
    }}
    location = /php/upload {{
        include {ROOT}/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME {ROOT}/scripts/bench.d/upload.php;
        fastcgi_pass unix:{VAR}/php/fpm.sock;
        fastcgi_read_timeout 600s;
    }}
}}
"""
    (VAR / "nginx/peers.conf").write_text(peers)
    conf = (VAR / "nginx/nginx.conf").read_text()
    conf = conf.replace("access_log " + str(VAR) + "/nginx/access.log;", "access_log off;")
    conf = conf.replace("include " + str(VAR) + "/nginx/depot-site.conf;", f"include {VAR}/nginx/depot-site.conf;\n    include {VAR}/nginx/peers.conf;")
    (VAR / "nginx/nginx.conf").write_text(conf)


def curl(args):
    subprocess.run(["sync"])
    started = time.monotonic()
    out = subprocess.run(["timeout", "900", "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Expect:", *args], capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if not out.stdout.startswith("2"):
        raise RuntimeError(f"curl {args[:3]}: {out.stdout} {out.stderr}")
    return elapsed


RETIRED = VAR / "retired"


def clear(path):
    """Empties a directory holding a few (large) files."""
    shutil.rmtree(path, ignore_errors=True)
    Path(path).mkdir(parents=True, exist_ok=True)


def retire(path):
    """Empties a directory holding many small files by moving it aside; deleted when the run ends.

    Deleting tens of thousands of files mid-run would skew the next measurement: for a while ext4
    skips recently freed inodes when allocating new ones, and that scan (find_inode_bit →
    recently_deleted) became the top kernel cost of small uploads in the runs that followed.
    """
    path = Path(path)
    RETIRED.mkdir(exist_ok=True)
    if path.exists():
        path.rename(RETIRED / f"{len(list(RETIRED.iterdir()))}-{path.name}")
    path.mkdir(parents=True, exist_ok=True)


def median(values):
    return statistics.median(values)


def make_file(path, mb):
    if not path.exists() or path.stat().st_size != mb << 20:
        subprocess.run(["dd", "if=/dev/urandom", f"of={path}", "bs=1M", f"count={mb}", "status=none"], check=True)
    return path


def wrk(url, body, ctype, conns):
    env = {**os.environ, "WRK_BODY_FILE": str(body), "WRK_CT": ctype}
    out = subprocess.run(["timeout", str(W_SECONDS + 30), "wrk", "-t2", f"-c{conns}", f"-d{W_SECONDS}s", "--timeout", "10s",
                          "-s", str(ROOT / "scripts/bench.d/wrk.lua"), url], env=env, capture_output=True, text=True)
    result = json.loads(out.stderr.strip().splitlines()[-1])
    if result["errors"] or result["non2xx"]:
        raise RuntimeError(f"wrk errors: {result}")
    return result["requests"] / (result["duration_us"] / 1e6)


def wrk_get(url, conns=32):
    subprocess.run(["sync"])
    out = subprocess.run(["timeout", str(W_SECONDS + 30), "wrk", "-t2", f"-c{conns}", f"-d{W_SECONDS}s", "--timeout", "10s", url],
                         capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if "Non-2xx" in line or "Socket errors" in line:
            raise RuntimeError(f"wrk {url}: {line.strip()}")
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise RuntimeError(f"wrk {url}: {out.stdout} {out.stderr}")


HELPERS = []  # processes to kill whatever happens


def floor_binary():
    binary = VAR / "floor_responder"
    if not binary.exists():
        subprocess.run(["cc", "-O2", "-o", str(binary), str(ROOT / "scripts/bench.d/floor_responder.c"), "-lfcgi", "-lsqlite3", "-lpthread"],
                       check=True)
    return binary


def start_floor(name, arguments):
    """A floor_responder.c process on run/{name}.sock, with as many threads as Depot's default workers
    when not durable (2 per core, at least 4)."""
    sock = VAR / f"run/{name}.sock"
    if sock.exists():
        sock.unlink()
    process = subprocess.Popen([str(floor_binary()), str(sock), str(max(4, 2 * os.cpu_count()))] + arguments)
    HELPERS.append(process)
    wait_for(sock.exists)
    return process


def start_floor_responder(data, lookup=False):
    """The no-op floor (run/floor.sock), or with `lookup` the lookup floor (run/floor-lookup.sock):
    the file's row read from Depot's own SQLite database by a C responder (floor_responder.c)."""
    return start_floor("floor-lookup" if lookup else "floor", ["/_bench_protected/x4k.bin"] + ([str(VAR / "depot.sqlite3")] if lookup else []))


def make_php_materials_database(path):
    """The PHP peer's one-table materials schema (materials.php), in WAL mode."""
    database = sqlite3.connect(path)
    database.execute("PRAGMA journal_mode = WAL")
    database.execute("CREATE TABLE materials (id INTEGER PRIMARY KEY AUTOINCREMENT, mall_id INTEGER NOT NULL, material_type INTEGER NOT NULL,"
                     " base_path TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, size INTEGER NOT NULL,"
                     " origin_filename TEXT NOT NULL, format TEXT NOT NULL, created_at TEXT NOT NULL)")
    database.execute("CREATE INDEX materials_mall ON materials (mall_id, id)")
    database.close()


def start_upload_floor(rows):
    """The upload floor (floor_responder.c --upload) on an empty store: the body's part written to an
    O_TMPFILE and linked into {store}/{date}/; `rows` "php" adds the PHP peer's one row, "depot"
    Depot's two rows in a database Depot migrated (a responder started on it once), through SQLite."""
    name = f"floor-upload-{rows}" if rows else "floor-upload"
    store = VAR / name
    retire(store)
    (store / ".tmp").mkdir(parents=True, exist_ok=True)
    arguments = ["--upload", str(store)]
    if rows == "php":
        make_php_materials_database(store / "materials.sqlite3")
        arguments += ["php", str(store / "materials.sqlite3")]
    elif rows == "depot":
        Responder(durable=False, sock=VAR / "run/floor-migrate.sock",
                  extra_env={"DEPOT_DATABASE_PATH": str(store / "depot.sqlite3"), "DEPOT_STORAGE_ROOT": str(store / "depot-root")}).stop()
        arguments += ["depot", str(store / "depot.sqlite3")]
    return start_floor(name, arguments)


def upload_file(depot_url, path, namespace):
    out = subprocess.run(["curl", "-sS", "-F", f"f=@{path}", f"{depot_url}/api/uploads/{namespace}"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["data"]["files"][0]


def downloads(depot, depot_url, peer_url, data):
    print(f"# W4: downloads, 32 connections, {W_SECONDS} s wrk runs ({REPS} repetitions, medians)", flush=True)
    small = data / "small.bin"
    small.write_bytes(os.urandom(4096))
    big = make_file(data / "dl_big.bin", 256)
    meta_small = upload_file(depot_url, small, "bench-dl")
    meta_big = upload_file(depot_url, big, "bench-dl")
    (data / "x4k.bin").write_bytes(small.read_bytes())
    # The floor is not a contender: a C libfcgi responder that answers every request with the same
    # X-Accel-Redirect and nothing else, i.e. what nginx and the FastCGI round trip cost by themselves.
    floor = start_floor_responder(data)
    lookup_floor = start_floor_responder(data, lookup=True)
    rps = {"nginx static (baseline)": [], "php X-Accel": [], "depot X-Accel": [], "depot standalone": [], "floor: no-op libfcgi X-Accel": [],
           "floor: C lookup X-Accel": []}
    mibs = {"nginx static (baseline)": [], "depot X-Accel": [], "depot standalone": []}
    urls = {
        "nginx static (baseline)": (f"{peer_url}/static{meta_small['path']}", f"{peer_url}/static{meta_big['path']}"),
        "php X-Accel": (f"{peer_url}/php/xaccel?name=x4k.bin", None),
        "depot X-Accel": (f"{depot_url}/api/files/{meta_small['id']}", f"{depot_url}/api/files/{meta_big['id']}"),
        "floor: no-op libfcgi X-Accel": (f"{peer_url}/floor/xaccel", None),
        # The least a real download does: the id from the URI, one SQLite lookup, the answer (C).
        "floor: C lookup X-Accel": (f"{peer_url}/floor/lookup/{meta_small['id']}", None),
    }
    # CPU per 4 KiB download of the responder (Depot or the floor's) and of nginx, for the two rows
    # the target compares: where Depot's extra time per request goes.
    cpu = {"depot X-Accel": [], "floor: no-op libfcgi X-Accel": [], "floor: C lookup X-Accel": []}
    for rep in range(REPS):
        for name, (small_url, big_url) in urls.items():
            before = cpu_seconds_by_command(("depot", "floor", "nginx"))
            rps[name].append(wrk_get(small_url))
            if name in cpu:
                after = cpu_seconds_by_command(("depot", "floor", "nginx"))
                requests = rps[name][-1] * W_SECONDS
                responder = "depot" if name.startswith("depot") else "floor"
                cpu[name].append(((after[responder] - before[responder]) / requests * 1e6, (after["nginx"] - before["nginx"]) / requests * 1e6))
            if big_url:
                mibs[name].append(256 / curl([big_url]))
        depot.stop()
        depot = Responder(durable=False, accel=False)
        rps["depot standalone"].append(wrk_get(f"{depot_url}/api/files/{meta_small['id']}"))
        mibs["depot standalone"].append(256 / curl([f"{depot_url}/api/files/{meta_big['id']}"]))
        depot.stop()
        depot = Responder(durable=False)
    for process in (floor, lookup_floor):
        process.kill()  # libfcgi takes SIGTERM as "stop after the next request"
        process.wait(timeout=30)
    base = median(rps["nginx static (baseline)"])
    php = median(rps["php X-Accel"])
    for name, values in rps.items():
        m = median(values)
        print(f"  4 KiB  {name:30s} {m:9.0f} req/s  x static {m / base:5.2f}  x php-xaccel {m / php:5.2f}   runs {[round(v) for v in values]}")
    print(f"  depot X-Accel / floor {median(rps['depot X-Accel']) / median(rps['floor: no-op libfcgi X-Accel']):5.2f}x (target 0.95x);"
          f" C lookup floor / no-op floor {median(rps['floor: C lookup X-Accel']) / median(rps['floor: no-op libfcgi X-Accel']):5.2f}x;"
          f" depot / C lookup floor {median(rps['depot X-Accel']) / median(rps['floor: C lookup X-Accel']):5.2f}x")
    for name, values in cpu.items():
        print(f"  CPU per 4 KiB download, {name:30s} responder {median([v[0] for v in values]):5.1f} us, nginx {median([v[1] for v in values]):5.1f} us")
    base = median(mibs["nginx static (baseline)"])
    for name, values in mibs.items():
        m = median(values)
        print(f"  256 MiB {name:23s} {m:9.0f} MiB/s x static {m / base:5.2f}   runs {[round(v) for v in values]}")
    print(f"# QR: 100-character text, 32 connections", flush=True)
    text = "https://shop.example.com/activity/2026/11/21/coupon?code=" + "A1B2C3D4E5" * 4 + "xx"
    qr = [wrk_get(f"{depot_url}/api/qrcode?text={text}") for _ in range(REPS)]
    print(f"  qrcode {median(qr):9.0f} req/s   runs {[round(v) for v in qr]}")
    return depot, {"rps_4k": {k: median(v) for k, v in rps.items()}, "mibs_256m": {k: median(v) for k, v in mibs.items()}, "qr_rps": median(qr)}


def photo_jpeg(path, width=6000, height=4000):
    """A 24 MP photo-like JPEG (smooth light plus sensor-like noise, about 1/4 bit per pixel more
    than a flat image), made once per data folder."""
    if path.exists():
        return path
    from PIL import Image, ImageChops, ImageFilter
    light = Image.radial_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 24).filter(ImageFilter.GaussianBlur(1))
    red = ImageChops.add(light, noise, scale=1.6)
    green = ImageChops.add(light.transpose(Image.Transpose.FLIP_LEFT_RIGHT), noise, scale=1.8)
    blue = ImageChops.add(light.transpose(Image.Transpose.FLIP_TOP_BOTTOM), noise, scale=2.2)
    Image.merge("RGB", (red, green, blue)).save(path, "JPEG", quality=88)
    return path




def process_status_mib(pid, field):
    """A memory figure of /proc/PID/status (VmRSS, VmHWM) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def process_rss_mib(pid):
    return process_status_mib(pid, "VmRSS")


def process_peak_rss_mib(pid):
    return process_status_mib(pid, "VmHWM")


def get_all(urls, connections):
    """GETs every URL over `connections` keep-alive connections; returns (seconds, per-request seconds)."""
    import http.client
    import queue
    import urllib.parse
    pending = queue.Queue()
    for url in urls:
        pending.put(url)
    latencies, errors = [], []

    def worker():
        connection = None
        while True:
            try:
                url = pending.get_nowait()
            except queue.Empty:
                return
            parts = urllib.parse.urlsplit(url)
            connection = connection or http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
            started = time.monotonic()
            connection.request("GET", parts.path + "?" + parts.query, headers={"Accept": "image/webp,*/*"})
            response = connection.getresponse()
            body = response.read()
            latencies.append(time.monotonic() - started)
            if response.status != 200 or not body.startswith(b"RIFF"):
                errors.append((url, response.status, body[:200]))

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"thumbnail requests failed: {errors[:3]}")
    return time.monotonic() - started, latencies


THUMB_IMAGES = int(os.environ.get("THUMB_IMAGES", "32"))


def thumbs(depot, depot_url, peer_url, data):
    """Cold: a 24 MP JPEG to a 256-pixel WebP, Depot (libvips, shrink-on-load) against Pillow's best
    (draft + thumbnail) in the same run, one at a time and over 8 connections, with peak RSS.
    Warm: the made thumbnail again, against the no-op libfcgi X-Accel floor."""
    print(f"# Thumbnails: 24 MP JPEG -> 256 px WebP, {THUMB_IMAGES} cold images per run, 8 connections ({REPS} repetitions, medians)", flush=True)
    photo = photo_jpeg(data / "photo-24mp.jpg")
    print(f"  (original {photo.stat().st_size / 1e6:.1f} MB, 6000 x 4000)")
    ids = []
    for index in range(THUMB_IMAGES):
        out = subprocess.run(["curl", "-sS", "-T", str(photo), f"{depot_url}/api/uploads/bench-thumbs/p{index}.jpg?name=original"],
                             capture_output=True, text=True, check=True)
        ids.append(json.loads(out.stdout)["data"]["id"])
    stored = VAR / "storage" / json.loads(out.stdout)["data"]["path"].lstrip("/")
    pillow_port = free_port()
    import socket
    pillow = subprocess.Popen([sys.executable, str(ROOT / "scripts/bench.d/pillow_thumbs.py"), str(pillow_port)])
    HELPERS.append(pillow)
    wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", pillow_port)) == 0)

    def forget_thumbnails():
        # Every run starts cold: no thumbnail rows, files or queued removals.
        database = sqlite3.connect(VAR / "depot.sqlite3", timeout=30)
        database.execute("DELETE FROM thumbnails")
        database.execute("DELETE FROM thumbnail_garbage")
        database.commit()
        database.close()
        shutil.rmtree(VAR / "storage/.thumbnails", ignore_errors=True)

    depot_urls = [f"{depot_url}/api/files/{i}/thumbnail?size=256&format=webp" for i in ids]
    pillow_urls = [f"http://127.0.0.1:{pillow_port}/thumb?size=256&path={stored}" for _ in ids]
    figures = {name: [] for name in ("depot_rps", "pillow_rps", "depot_single_ms", "pillow_single_ms", "depot_peak_rss_mib", "pillow_peak_rss_mib",
                                      "depot_cpu_ms", "pillow_cpu_ms", "depot_rss_before_mib", "pillow_rss_before_mib")}
    def start_pillow():
        process = subprocess.Popen([sys.executable, str(ROOT / "scripts/bench.d/pillow_thumbs.py"), str(pillow_port)])
        HELPERS.append(process)
        wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", pillow_port)) == 0)
        return process

    for rep in range(REPS):
        # Both start fresh, so "before" is what each holds idle (runtime, libraries) and the peak
        # minus it is what making 8 thumbnails at a time adds.
        forget_thumbnails()
        depot.stop()
        depot = Responder(durable=False)
        pillow.kill()
        pillow.wait(timeout=30)
        pillow = start_pillow()
        time.sleep(0.2)
        figures["depot_rss_before_mib"].append(depot.rss_mib())
        figures["pillow_rss_before_mib"].append(process_rss_mib(pillow.pid))
        depot.reset_peak()
        Path(f"/proc/{pillow.pid}/clear_refs").write_text("5")
        before = cpu_seconds_by_command(("depot", "python3"))
        seconds, _ = get_all(depot_urls, 8)
        middle = cpu_seconds_by_command(("depot", "python3"))
        figures["depot_rps"].append(len(depot_urls) / seconds)
        figures["depot_peak_rss_mib"].append(depot.peak_rss_mib())
        seconds, _ = get_all(pillow_urls, 8)
        after = cpu_seconds_by_command(("depot", "python3"))
        figures["pillow_rps"].append(len(pillow_urls) / seconds)
        figures["pillow_peak_rss_mib"].append(process_peak_rss_mib(pillow.pid))
        figures["depot_cpu_ms"].append((middle["depot"] - before["depot"]) / len(depot_urls) * 1000)
        figures["pillow_cpu_ms"].append((after["python3"] - middle["python3"]) / len(pillow_urls) * 1000)
        # One at a time: the latency of one image.
        forget_thumbnails()
        figures["depot_single_ms"].append(median(get_all(depot_urls[:4], 1)[1]) * 1000)
        figures["pillow_single_ms"].append(median(get_all(pillow_urls[:4], 1)[1]) * 1000)
    pillow.kill()
    pillow.wait(timeout=30)
    m = {name: median(values) for name, values in figures.items()}
    for name, values in figures.items():
        print(f"  {name:22s} {m[name]:9.1f}   runs {[round(v, 1) for v in values]}")
    print(f"  cold: depot / pillow throughput {m['depot_rps'] / m['pillow_rps']:5.2f}x (target 3x);"
          f" depot peak RSS / pillow's {m['depot_peak_rss_mib'] / m['pillow_peak_rss_mib']:5.2f} (target <= 0.33)")
    m["depot_job_rss_mib"] = m["depot_peak_rss_mib"] - m["depot_rss_before_mib"]
    m["pillow_job_rss_mib"] = m["pillow_peak_rss_mib"] - m["pillow_rss_before_mib"]
    print(f"  memory the 8-connection run added to what each held before it: depot {m['depot_job_rss_mib']:.1f} MiB,"
          f" pillow {m['pillow_job_rss_mib']:.1f} MiB ({m['depot_job_rss_mib'] / m['pillow_job_rss_mib']:.2f})")

    # Warm: nginx serves the made thumbnail; the responder only finds its row.
    forget_thumbnails()
    warm_url = depot_urls[0]
    get_all([warm_url], 1)
    small = data / "x4k.bin"
    if not small.exists():
        small.write_bytes(os.urandom(4096))
    # The same responder's plain 4 KiB download in the same run: what the thumbnail's extra lookup costs.
    download_url = f"{depot_url}/api/files/{upload_file(depot_url, small, 'bench-thumbs-dl')['id']}"
    floor = start_floor_responder(data)
    warm, floor_rps, download = [], [], []
    warm_cpu, download_cpu = [], []
    for rep in range(REPS):
        for url, rps, cpu in ((warm_url, warm, warm_cpu), (download_url, download, download_cpu)):
            before = cpu_seconds_by_command(("depot",))
            rps.append(wrk_get(url))
            cpu.append((cpu_seconds_by_command(("depot",))["depot"] - before["depot"]) / (rps[-1] * W_SECONDS) * 1e6)
        floor_rps.append(wrk_get(f"{peer_url}/floor/xaccel"))
    floor.kill()
    floor.wait(timeout=30)
    m["warm_rps"], m["floor_rps"], m["download_rps"] = median(warm), median(floor_rps), median(download)
    m["warm_cpu_us"], m["download_cpu_us"] = median(warm_cpu), median(download_cpu)
    print(f"  warm thumbnail {m['warm_rps']:9.0f} req/s, responder CPU {m['warm_cpu_us']:5.1f} us/request   runs {[round(v) for v in warm]}")
    print(f"  4 KiB download {m['download_rps']:9.0f} req/s, responder CPU {m['download_cpu_us']:5.1f} us/request   runs {[round(v) for v in download]}")
    print(f"  floor (no-op libfcgi X-Accel, 4 KiB) {m['floor_rps']:9.0f} req/s   runs {[round(v) for v in floor_rps]}")
    print(f"  warm / floor {m['warm_rps'] / m['floor_rps']:5.2f}x (target 0.9x); warm / download {m['warm_rps'] / m['download_rps']:5.2f}x", flush=True)
    return depot, m


def seed_rows(count):
    import sqlite3
    db = sqlite3.connect(VAR / "depot.sqlite3", timeout=60)
    with db:
        rows = []
        for index in range(count):
            created = f"2026-01-{1 + index // 86400:02d}T{index % 86400 // 3600:02d}:{index % 3600 // 60:02d}:{index % 60:02d}Z"
            rows.append((index % 50 + 1, 0 if index % 3 else 2, f"seed-{index}", f"/mall/2026-01-01/seed-{index}.png", 640, 480,
                         100_000 + index, f"商品图片_{index}.png", "png", created))
        db.executemany("INSERT INTO materials (mall_id, material_type, file_id, base_path, width, height, size, origin_filename, format, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.close()


def exports(depot, depot_url):
    rows = int(os.environ.get("EXPORT_ROWS", "1000000"))
    print(f"# W5: export {rows:,} rows x 10 columns (Depot through nginx vs Python writers, same rows, same run)", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "xlsxwriter"], capture_output=True)
    # Seeding needs the foreign key off: the rows reference no files (bench only).
    import sqlite3
    con = sqlite3.connect(VAR / "depot.sqlite3")
    con.execute("PRAGMA foreign_keys = OFF")
    con.close()
    seed_rows(rows)
    results = {}
    url = f"{depot_url}/api/reports/export?start_time=2026-01-01&end_time=2027-01-01"
    for fmt in ["csv", "xlsx"]:
        runs, ttfb, growth = [], [], []
        for _ in range(REPS):
            rss_before = depot.rss_mib()
            depot.reset_peak()
            out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_starttransfer} %{time_total} %{size_download}",
                                  f"{url}&format={fmt}"], capture_output=True, text=True, check=True).stdout.split()
            assert out[0] == "200", out
            ttfb.append(float(out[1]))
            runs.append(float(out[2]))
            growth.append(depot.peak_rss_mib() - rss_before)
        baseline = subprocess.run([sys.executable, str(ROOT / "scripts/bench.d/export_baseline.py"), str(VAR / "depot.sqlite3"), fmt, str(VAR / f"baseline.{fmt}")],
                                  capture_output=True, text=True, check=True)
        base = float(baseline.stdout.strip())
        name = "csv module" if fmt == "csv" else "XlsxWriter constant_memory"
        m = median(runs)
        print(f"  {fmt:5s} depot {m:6.2f} s (runs {[round(v, 2) for v in runs]}), {name} {base:6.2f} s: {base / m:5.1f}x faster; "
              f"first byte {median(ttfb) * 1000:.0f} ms; responder RSS growth {max(growth):.1f} MiB", flush=True)
        results[fmt] = {"depot_s": m, "baseline_s": base, "ttfb_ms": median(ttfb) * 1000, "rss_growth_mib": max(growth)}
    return results


def timed_gets(url, count):
    """Median and 90th percentile of `count` GETs of `url` over one keep-alive connection (ms), and the last body."""
    import http.client
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    times, body = [], None
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", parts.path + "?" + parts.query)
        response = connection.getresponse()
        body = response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (url, response.status, body[:200])
    connection.close()
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.9)], json.loads(body)


def postgres_start(directory, fsync="off"):
    """Starts (making it first if need be) a throwaway cluster in `directory` (scripts/lib/postgres.sh);
    returns its libpq URL."""
    return subprocess.run(["bash", "-c", f"DEPOT_PG_FSYNC={fsync}; source {ROOT}/scripts/lib/postgres.sh && postgres_start {directory}"],
                          capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]


def postgres_stop(directory, mode="fast"):
    subprocess.run(["bash", "-c", f"source {ROOT}/scripts/lib/postgres.sh && postgres_stop {directory} {mode}"], check=False)


def seeded_postgres(rows, others):
    """A stopped cluster holding `depot seed`'s rows, kept in var/bench between runs like the SQLite
    seed (keyed by the counts and the PostgreSQL schema's last commit)."""
    migrations = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h", "--", "Sources/DepotApp/Persistence/PostgreSQL/PostgresSchema.swift"],
                                capture_output=True, text=True).stdout.strip() or "x"
    cache = ROOT / f"var/bench/seed-pg-{rows}-{others}-{migrations}"
    if (cache / "seeded").exists():
        return cache
    for old in cache.parent.glob("seed-pg-*"):
        postgres_stop(old, "immediate")
        shutil.rmtree(old, ignore_errors=True)
    partial = cache.with_name(cache.name + ".partial")
    started = time.monotonic()
    url = postgres_start(partial)
    try:
        env = {"PATH": os.environ["PATH"], "DEPOT_DATABASE_URL": url, "DEPOT_STORAGE_ROOT": str(VAR / "seed-storage"), "DEPOT_STORAGE_DURABLE": "false"}
        subprocess.run([BINARY, "seed", "--mall", "1", "--count", str(rows), "--others", str(others)], env=env, check=True, stderr=subprocess.DEVNULL)
        # Statistics and the visibility map, as autovacuum would leave them on a live system.
        subprocess.run(["psql", "-qtAX", url, "-c", "VACUUM ANALYZE"], check=True)
    finally:
        postgres_stop(partial)
    partial.rename(cache)
    (cache / "seeded").touch()
    print(f"  seeded PostgreSQL through the store (depot seed) in {time.monotonic() - started:.0f} s: {cache.name}", flush=True)
    return cache


def scale(depot, depot_url, store="sqlite"):
    """One mall with SCALE_ROWS materials among 5x as many: list pages by offset and by cursor, and
    one mall's export against an export of as many rows of every mall. `store` "postgresql": the
    same on a local PostgreSQL cluster (fsync off: these are reads)."""
    rows = int(os.environ.get("SCALE_ROWS", "1000000"))
    others = 4 * rows
    print(f"# W6{' (PostgreSQL)' if store == 'postgresql' else ''}: one mall of {rows:,} materials in a table of {rows + others:,}"
          " (p50 / p90 of sequential GETs through nginx)", flush=True)
    if store == "postgresql":
        cluster = seeded_postgres(rows, others)
        url = postgres_start(cluster)
        depot.stop()
        depot = Responder(durable=False, extra_env={"DEPOT_DATABASE_URL": url})
        try:
            results = measure_scale(depot_url, rows, others)
        finally:
            depot.stop()
            postgres_stop(cluster)
        return Responder(durable=False), results
    # The seeded database is kept between runs (it takes minutes to make): keyed by the row counts and
    # the binary's schema (its migrations), so a schema change makes a new one.
    migrations = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h", "--", "Sources/DepotApp/Persistence/SQLite/SQLiteSchema.swift"],
                                capture_output=True, text=True).stdout.strip() or "x"
    cache = ROOT / f"var/bench/seed-{rows}-{others}-{migrations}.sqlite3"
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        for old in cache.parent.glob("seed-*"):  # the database, its WAL and its .locks folder
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        partial = cache.with_suffix(".partial")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        started = time.monotonic()
        env = {"PATH": os.environ["PATH"], "DEPOT_DATABASE_PATH": str(partial), "DEPOT_STORAGE_ROOT": str(VAR / "seed-storage"),
               "DEPOT_STORAGE_DURABLE": "false"}
        subprocess.run([BINARY, "seed", "--mall", "1", "--count", str(rows), "--others", str(others)], env=env, check=True,
                       stderr=subprocess.DEVNULL)
        # Fold the WAL into the file before it is renamed into place.
        import sqlite3
        con = sqlite3.connect(partial)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        partial.rename(cache)
        shutil.rmtree(f"{partial}.locks", ignore_errors=True)
        print(f"  seeded through the store (depot seed) in {time.monotonic() - started:.0f} s: {cache.name}", flush=True)
    depot.stop()
    depot = Responder(durable=False, extra_env={"DEPOT_DATABASE_PATH": str(cache)})
    try:
        results = measure_scale(depot_url, rows, others)
    finally:
        depot.stop()
        for suffix in ("-wal", "-shm"):
            Path(f"{cache}{suffix}").unlink(missing_ok=True)
    return Responder(durable=False), results


def measure_scale(depot_url, rows, others):
    """The scale section's measurements, through nginx, of a responder on a seeded store."""
    results = {}
    base = f"{depot_url}/api/malls/1/materials?limit=50"
    quick, slow = max(REPS * 40, 100), max(REPS * 3, 5)

    def measure(name, url, count, target=None):
        p50, p90, body = timed_gets(url, count)
        data = body["data"]
        mark = "" if target is None else ("  (target < %g ms: %s)" % (target, "met" if p50 < target else "MISSED"))
        print(f"  {name:34s} p50 {p50:8.2f} ms   p90 {p90:8.2f} ms   items {len(data['items'])} total {data['total']:,}{mark}", flush=True)
        results[name] = {"p50_ms": p50, "p90_ms": p90}
        return data

    first = measure("first page", base, quick, 5)
    assert first["total"] == rows, first["total"]
    for offset in (500_000 * rows // 1_000_000, rows - 50):
        data = measure(f"offset {offset:,}", f"{base}&offset={offset}", slow)
        cursor = data["next_cursor"] or ""
        if cursor:
            measure(f"cursor page after offset {offset:,}", f"{base}&cursor={cursor}", quick, 5)
    typed = measure("first page, type=2", f"{base}&type=2", quick, 5)
    deep = measure("offset of the last type=2 page", f"{base}&type=2&offset={typed['total'] - 60}", slow)
    if deep["next_cursor"]:
        measure("cursor page, type=2, near the end", f"{base}&type=2&cursor={deep['next_cursor']}", quick, 5)

    # The export of one mall reads that mall's rows only: it should take what an export of as many
    # rows of every mall takes (a time range holding `rows` rows), not what the whole table would.
    def export(query):
        out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total} %{size_download}",
                              f"{depot_url}/api/reports/export?format=csv&{query}"], capture_output=True, text=True, check=True).stdout.split()
        assert out[0] == "200", out
        return float(out[1]), int(out[2])
    one_mall, every_mall = [], []
    end_of_range = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_767_225_600 + rows))
    for _ in range(max(REPS, 3)):
        seconds, size_one = export("start_time=2026-01-01&end_time=2027-01-01&mall_id=1")
        one_mall.append(seconds)
        seconds, size_every = export(f"start_time=2026-01-01T00:00:00Z&end_time={end_of_range}")
        every_mall.append(seconds)
    whole, size_whole = export("start_time=2026-01-01&end_time=2027-01-01")
    m1, m2 = median(one_mall), median(every_mall)
    print(f"  export csv, mall 1: {rows:,} rows of {rows + others:,} {m1:6.2f} s   runs {[round(v, 2) for v in one_mall]}\n"
          f"    the first {rows:,} rows of every mall (by time)   {m2:6.2f} s   runs {[round(v, 2) for v in every_mall]}\n"
          f"    the whole table ({rows + others:,} rows, once)        {whole:6.2f} s\n"
          f"    mall 1 / whole table {m1 / whole:4.2f}x (reading every row would be >= 1x; its rows are 1 in 5, so {rows / (rows + others):.2f}x of"
          f" the rows); mall 1 / same count of adjacent rows {m1 / m2:4.2f}x (its rows are spread over 5x the table pages)", flush=True)
    assert size_one > 0 and size_every > 0 and size_whole > size_one
    results["export one mall s"] = m1
    results["export same rows every mall s"] = m2
    results["export whole table s"] = whole
    return results


def materials_body(data):
    """A 4 KiB-class PNG as one multipart materials upload: (body file, content type)."""
    from PIL import Image  # noqa: the oracle package from Tests/e2e/requirements.txt
    import io
    buffer = io.BytesIO()
    Image.effect_noise((36, 36), 64).convert("RGB").save(buffer, format="PNG")
    png = buffer.getvalue()
    boundary = "benchboundary0123456789"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"img.png\"\r\nContent-Type: image/png\r\n\r\n".encode()
            + png + f"\r\n--{boundary}--\r\n".encode())
    (data / "img.body").write_bytes(body)
    return data / "img.body", f"multipart/form-data; boundary={boundary}", len(png)


def cpu_seconds_by_command(names=("depot", "nginx", "postgres")):
    """CPU seconds (user + system) used so far by every live process, summed by command name."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals = dict.fromkeys(names, 0.0)
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        command = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        for name in names:
            if command.startswith(name):
                totals[name] += (int(fields[11]) + int(fields[12])) / ticks
    return totals


def stores(depot, nginx, port, depot_url, data):
    """SQLite against PostgreSQL (one and two responders), same machine, same run: 4 KiB materials
    uploads and 4 KiB X-Accel downloads. PostgreSQL is a throwaway local cluster (fsync on, as in
    production) reached over its Unix socket."""
    # Under /tmp: the cluster runs as the postgres user, who cannot enter the bench folder (0700).
    pg_dir = Path(tempfile.mkdtemp(prefix="depot-bench-postgres-"))
    url = postgres_start(pg_dir, fsync="on")
    body, ctype, png_size = materials_body(data)
    small = data / "store-small.bin"
    small.write_bytes(os.urandom(4096))
    contenders = {"sqlite, 1 responder": ("sqlite", 1), "postgresql, 1 responder": ("postgresql", 1), "postgresql, 2 responders": ("postgresql", 2)}
    uploads = {name: [] for name in contenders}
    downloads_ = {name: [] for name in contenders}
    # CPU microseconds per request by process kind, per workload: where the time goes.
    cpu = {(name, work): [] for name in contenders for work in ("up", "down")}

    def measured(name, work, run):
        before = cpu_seconds_by_command()
        rate = run()
        after = cpu_seconds_by_command()
        requests = rate * W_SECONDS
        cpu[(name, work)].append({k: (after[k] - before[k]) * 1e6 / requests for k in after})
        return rate
    responders = [depot]
    counter = [0]

    def start(store, count):
        for responder in responders:
            responder.stop()
        responders.clear()
        retire(VAR / "storage")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{VAR / 'depot.sqlite3'}{suffix}").unlink(missing_ok=True)
        extra = {}
        if store == "postgresql":
            counter[0] += 1
            schema = f"bench_{counter[0]}"
            subprocess.run(["psql", "-qtAX", url, "-c", f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"], check=True)
            extra["DEPOT_DATABASE_URL"] = f"{url}&options=-csearch_path%3D{schema}"
        sockets = [VAR / f"run/depot-{n}.sock" for n in range(1, count + 1)]
        for n, sock in enumerate(sockets, 1):
            responders.append(Responder(durable=False, sock=sock, extra_env={**extra, "DEPOT_SERVER_NODE": f"bench-{n}"}))
        reload_nginx(nginx, port, sockets)

    try:
        names = list(contenders)
        for rep in range(REPS):
            for name in names[rep % len(names):] + names[:rep % len(names)]:
                start(*contenders[name])
                subprocess.run(["sync"])
                uploads[name].append(measured(name, "up", lambda: wrk(f"{depot_url}/api/malls/1/materials", body, ctype, 32)))
                file_id = upload_file(depot_url, small, "bench-dl")["id"]
                downloads_[name].append(measured(name, "down", lambda: wrk_get(f"{depot_url}/api/files/{file_id}")))
    finally:
        for responder in responders:
            responder.stop()
        postgres_stop(pg_dir)
        shutil.rmtree(pg_dir, ignore_errors=True)
        reload_nginx(nginx, port, [VAR / "run/depot.sock"])
    print(f"# STORES: {png_size}-byte PNG materials uploads and 4 KiB X-Accel downloads, 32 connections, {W_SECONDS} s each", flush=True)
    base_up, base_down = median(uploads["sqlite, 1 responder"]), median(downloads_["sqlite, 1 responder"])
    for name in contenders:
        up, down = median(uploads[name]), median(downloads_[name])
        print(f"  {name:26s} uploads {up:7.0f} req/s ({up / base_up:4.2f}x sqlite)   downloads {down:7.0f} req/s ({down / base_down:4.2f}x sqlite)"
              f"   runs {[round(v) for v in uploads[name]]} / {[round(v) for v in downloads_[name]]}")
    print("  CPU per request, microseconds (medians; 2 cores = 2,000,000 us/s to share):")
    for (name, work), samples in cpu.items():
        parts = "  ".join(f"{k} {median([x[k] for x in samples]):6.1f}" for k in samples[0])
        total = median([sum(x.values()) for x in samples])
        print(f"    {name:26s} {'uploads  ' if work == 'up' else 'downloads'} {parts}   total {total:6.1f}")
    return Responder(durable=False), {"uploads_rps": {k: median(v) for k, v in uploads.items()},
                                      "downloads_rps": {k: median(v) for k, v in downloads_.items()}}


def tus_upload(depot_url, path, chunk):
    """A tus upload of `path` in PATCHes of `chunk` bytes, each sent by curl (the client the
    multipart row uses) from a slice of the file, streamed. Returns (seconds, stored sha256)."""
    size = path.stat().st_size
    tus_headers = ["-H", "Tus-Resumable: 1.0.0"]
    subprocess.run(["sync"])
    started = time.monotonic()
    out = subprocess.run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "-X", "POST", *tus_headers, "-H", f"Upload-Length: {size}",
                          f"{depot_url}/api/tus/bench"], capture_output=True, text=True, check=True).stdout
    url = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.lower().startswith("location:"))
    offset = 0
    while offset < size:
        length = min(chunk, size - offset)
        patch = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PATCH", *tus_headers, "-H", "Expect:",
                 "-H", f"Upload-Offset: {offset}", "-H", "Content-Type: application/offset+octet-stream", f"{depot_url}{url}"]
        if offset == 0 and length == size:
            status = subprocess.run([*patch, "-T", str(path)], capture_output=True, text=True).stdout
        else:
            # A slice of the file on curl's stdin, with its length declared (no chunked encoding).
            dd = subprocess.Popen(["dd", f"if={path}", "bs=1M", f"skip={offset}", f"count={length}", "iflag=skip_bytes,count_bytes", "status=none"],
                                  stdout=subprocess.PIPE)
            status = subprocess.run([*patch, "-H", "Transfer-Encoding:", "-H", f"Content-Length: {length}", "-T", "-"], stdin=dd.stdout,
                                    capture_output=True, text=True).stdout
            dd.stdout.close()
            dd.wait()
        assert status == "204", (status, offset)
        offset += length
    elapsed = time.monotonic() - started
    body = subprocess.run(["curl", "-sS", *tus_headers, f"{depot_url}{url}"], capture_output=True, text=True, check=True).stdout
    return elapsed, json.loads(body)["data"]["sha256"]


def tus(depot, depot_url, data):
    """Resumable uploads against multipart, same bytes, same run (issue #15): a BIG_MB upload in
    64 MiB PATCHes and in one PATCH; the responder's peak RSS at BIG_MB and HUGE_MB."""
    big = make_file(data / "big.bin", BIG_MB)
    expected = subprocess.run(["sha256sum", str(big)], capture_output=True, text=True, check=True).stdout.split()[0]
    print(f"# TUS: {BIG_MB} MiB resumable upload against multipart, {REPS} interleaved repetitions (seconds, median)", flush=True)
    times = {"depot multipart": [], "tus, one PATCH": [], "tus, 64 MiB PATCHes": []}
    rss = {name: [] for name in times}
    cpu = {name: [] for name in times}
    names = list(times)
    for rep in range(REPS):
        # The order rotates, so no contender always follows the same one (writeback of the previous
        # gigabyte lands in whoever comes next).
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            clear(VAR / "storage/bench")
            depot.reset_peak()
            before = cpu_seconds_by_command(("depot", "nginx", "curl"))
            if name == "depot multipart":
                seconds = curl(["-F", f"file=@{big};type=application/octet-stream", f"{depot_url}/api/uploads/bench"])
            else:
                seconds, sha = tus_upload(depot_url, big, BIG_MB << 20 if name == "tus, one PATCH" else 64 << 20)
                assert sha == expected, (name, sha)
            times[name].append(seconds)
            rss[name].append(depot.peak_rss_mib())
            after = cpu_seconds_by_command(("depot", "nginx", "curl"))
            cpu[name].append({k: after[k] - before[k] for k in after})
    clear(VAR / "storage/bench")
    base = median(times["depot multipart"])
    for name, values in times.items():
        m = median(values)
        parts = "  ".join(f"{k} {median([x[k] for x in cpu[name]]):4.2f}" for k in cpu[name][0])
        print(f"  {name:24s} {m:7.2f} s  {BIG_MB / m:8.0f} MiB/s  ratio to multipart {m / base:5.2f}x  peak RSS {max(rss[name]):5.1f} MiB"
              f"   CPU s: {parts}   runs {[round(v, 2) for v in values]}", flush=True)
    result = {k: median(v) for k, v in times.items()}
    result["peak_rss_mib"] = {k: max(v) for k, v in rss.items()}
    if HUGE_MB:
        huge = make_file(data / "huge.bin", HUGE_MB)
        depot.reset_peak()
        seconds, _ = tus_upload(depot_url, huge, HUGE_MB << 20)
        result[f"peak_rss_mib_{HUGE_MB}m_one_patch"] = depot.peak_rss_mib()
        print(f"  depot peak RSS during a {HUGE_MB} MiB one-PATCH tus upload: {depot.peak_rss_mib():.1f} MiB ({seconds:.1f} s)", flush=True)
        clear(VAR / "storage/bench")
        huge.unlink()
    return result


def slug(text):
    """`depot multipart` → `depot_multipart`; `tus, 64 MiB PATCHes` → `tus_64_mib_patches`."""
    import re
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# The names the issues use for the figures they set targets on (everything else keeps its slug).
ALIASES = {
    "uploads.depot_multipart": "uploads.multipart_1g_s", "uploads.depot_put": "uploads.put_1g_s", "uploads.depot_put_offloaded": "uploads.put_offloaded_1g_s",
    "uploads.nginx_put_baseline": "uploads.nginx_put_1g_s", "uploads.sha256_alone_openssl": "uploads.sha256_1g_s",
    "uploads.php_multipart": "uploads.php_multipart_1g_s",
    "small.depot_durable_off": "small.depot_rps", "small.depot_durable_on": "small.depot_durable_rps",
    "small.php_move_uploaded_file": "small.php_rps", "small.php_same_job_durable_off": "small.php_same_job_rps",
    "small.php_same_job_durable_on": "small.php_same_job_durable_rps",
    "small.floor_c_tmpfile_link": "small.floor_tmpfile_link_rps", "small.floor_c_php_s_row": "small.floor_php_row_rps",
    "small.floor_c_depot_s_rows": "small.floor_depot_rows_rps",
    "downloads.rps_4k.depot_x_accel": "downloads.depot_rps", "downloads.rps_4k.floor_no_op_libfcgi_x_accel": "downloads.floor_rps",
}


def flatten(results):
    """One key per figure, dotted by section, for var/bench/latest.json."""
    sections = {"w1": "uploads", "w3": "small", "w3_cpu_us": "small_cpu_us"}
    flat = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{slug(str(key))}", inner)
        else:
            flat[ALIASES.get(prefix, prefix)] = value
    for section, value in results.items():
        walk(sections.get(section, section), value)
    return flat


def write_summary(results):
    """var/bench/latest.json: every figure of this run under a stable key, with the commit and date."""
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    summary = {"commit": commit, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "reps": REPS,
               "figures": flatten(results)}
    (ROOT / "var/bench").mkdir(parents=True, exist_ok=True)
    (ROOT / "var/bench/latest.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    print(f"# figures written to {ROOT / 'var/bench/latest.json'}", flush=True)


def main():
    port = free_port()
    (VAR / "run").mkdir(parents=True, exist_ok=True)
    depot = Responder(durable=False)
    php = start_php()
    nginx = start_nginx(port)
    depot_url = f"http://127.0.0.1:{port}"
    peer_url = f"http://127.0.0.1:{port + 1}"
    data = VAR / "data"
    data.mkdir(exist_ok=True)
    results = {}
    failed = True
    sections = sys.argv[2:] or ["uploads", "downloads", "exports", "scale", "thumbs"]
    if os.environ.get("DEPOT_BENCH_STORE") == "postgresql":
        sections += [name for name in ("stores", "scale-pg") if name not in sections]
    try:
        if "stores" in sections:
            depot, results["stores"] = stores(depot, nginx, port, depot_url, data)
        if "downloads" in sections:
            depot, results["downloads"] = downloads(depot, depot_url, peer_url, data)
        if "exports" in sections:
            results["exports"] = exports(depot, depot_url)
        if "tus" in sections:
            results["tus"] = tus(depot, depot_url, data)
        if "scale" in sections:
            depot, results["scale"] = scale(depot, depot_url)
        if "scale-pg" in sections:
            depot, results["scale_pg"] = scale(depot, depot_url, store="postgresql")
        if "thumbs" in sections:
            depot, results["thumbs"] = thumbs(depot, depot_url, peer_url, data)
        large = "uploads" in sections or "large" in sections
        small = "uploads" in sections or "small" in sections
        if not large and not small:
            failed = False
            return
        if large:
            big = make_file(data / "big.bin", BIG_MB)
            print(f"# W1: {BIG_MB} MiB upload, {REPS} interleaved repetitions (seconds, median)", flush=True)
            # "sha256 alone" is a floor, not a contender: the contract returns every file's SHA-256, and
            # this is what computing it over the same bytes costs on this machine (openssl, page cache).
            times = {"nginx PUT (baseline)": [], "depot multipart": [], "depot PUT": [], "depot PUT (offloaded)": [], "php multipart": [],
                     "sha256 alone (openssl)": []}
            rss = []
            for rep in range(REPS):
                clear(VAR / "dav")
                times["nginx PUT (baseline)"].append(curl(["-T", str(big), f"{peer_url}/dav/big{rep}.bin"]))
                clear(VAR / "dav")
                depot.reset_peak()
                times["depot multipart"].append(curl(["-F", f"file=@{big};type=application/octet-stream", f"{depot_url}/api/uploads/bench"]))
                rss.append(depot.peak_rss_mib())
                clear(VAR / "storage/bench")
                times["depot PUT"].append(curl(["-T", str(big), f"{depot_url}/api/uploads/bench/big.bin"]))
                clear(VAR / "storage/bench")
                times["depot PUT (offloaded)"].append(curl(["-T", str(big), f"{peer_url}/api/uploads/bench/big.bin"]))
                clear(VAR / "storage/bench")
                times["php multipart"].append(curl(["-F", f"file=@{big};type=application/octet-stream", f"{peer_url}/php/upload"]))
                clear(VAR / "php-store")
                started = time.monotonic()
                subprocess.run(["openssl", "dgst", "-sha256", str(big)], check=True, capture_output=True)
                times["sha256 alone (openssl)"].append(time.monotonic() - started)
            base = median(times["nginx PUT (baseline)"])
            for name, values in times.items():
                m = median(values)
                print(f"  {name:24s} {m:7.2f} s  {BIG_MB / m:8.0f} MiB/s  ratio to nginx PUT {m / base:5.2f}x   runs {[round(v, 2) for v in values]}")
            results["w1"] = {k: median(v) for k, v in times.items()}
            floor = max(median(times["nginx PUT (baseline)"]), median(times["sha256 alone (openssl)"]))
            for name in ("depot multipart", "depot PUT", "depot PUT (offloaded)"):
                print(f"  {name:24s} / max(nginx PUT, sha256 alone) {median(times[name]) / floor:5.2f}x (target 1.25x)")
            print(f"  depot peak RSS during {BIG_MB} MiB multipart: {max(rss):.1f} MiB", flush=True)

            if HUGE_MB:
                huge = make_file(data / "huge.bin", HUGE_MB)
                depot.reset_peak()
                seconds = curl(["-F", f"file=@{huge};type=application/octet-stream", f"{depot_url}/api/uploads/bench"])
                print(f"  depot peak RSS during {HUGE_MB} MiB multipart: {depot.peak_rss_mib():.1f} MiB ({seconds:.1f} s)", flush=True)
                clear(VAR / "storage/bench")
                huge.unlink()

        if small:
            print(f"# W3: 4 KiB PNG materials uploads, 32 connections, {W_SECONDS} s each (requests/s)", flush=True)
            body, ctype, png_size = materials_body(data)
            # The two floors are not contenders: C libfcgi responders doing the least of the two PHP jobs
            # (floor_responder.c --upload), to show what bounds the targets.
            rps = {"php move_uploaded_file": [], "php same job (durable off)": [], "php same job (durable on)": [],
                   "depot (durable off)": [], "depot (durable on)": [], "floor: C tmpfile + link": [], "floor: C + PHP's row": [],
                   "floor: C + Depot's rows": []}
            floors = {}
            # CPU per request of the handler (the responder or PHP-FPM's workers) and of nginx: on this
            # machine throughput swings with the disk between runs; CPU per request barely does.
            cpu = {name: [] for name in rps}
            # Every run starts from the same state: an empty store (and for Depot an empty database), and
            # no dirty pages left by the previous run (sync), whose writeback would otherwise land in it.
            # The order rotates between repetitions so no contender always follows the same one.
            def fresh_depot(durable):
                nonlocal depot
                depot.stop()
                retire(VAR / "storage")
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{VAR / 'depot.sqlite3'}{suffix}").unlink(missing_ok=True)  # three files: no inode churn
                depot = Responder(durable=durable)

            def run(name):
                if name == "php move_uploaded_file":
                    retire(VAR / "php-store")
                    url = f"{peer_url}/php/upload"
                elif name.startswith("php same job"):
                    fresh_php_materials()
                    url = f"{peer_url}/php/materials?mall=1&durable={'1' if 'durable on' in name else '0'}"
                elif name.startswith("floor"):
                    rows = "php" if "PHP" in name else "depot" if "Depot" in name else None
                    if rows in floors:
                        floors[rows].kill()
                        floors[rows].wait(timeout=30)
                    floors[rows] = start_upload_floor(rows)
                    url = f"{peer_url}/floor/{'upload-' + rows if rows else 'upload'}"
                else:
                    fresh_depot(durable=name == "depot (durable on)")
                    url = f"{depot_url}/api/malls/1/materials"
                subprocess.run(["sync"])
                before = cpu_seconds_by_command(("depot", "nginx", "php-fpm", "floor"))
                rps[name].append(wrk(url, data / "img.body", ctype, 32))
                after = cpu_seconds_by_command(("depot", "nginx", "php-fpm", "floor"))
                requests = rps[name][-1] * W_SECONDS
                handler = "php-fpm" if name.startswith("php") else "floor" if name.startswith("floor") else "depot"
                cpu[name].append({"handler": (after[handler] - before[handler]) / requests * 1e6,
                                  "nginx": (after["nginx"] - before["nginx"]) / requests * 1e6})

            def fresh_php_materials():
                # An empty store and database, like Depot's runs; PHP-FPM restarted so that its
                # persistent connections do not point at the retired file.
                nonlocal php
                php.send_signal(signal.SIGQUIT)
                php.wait(timeout=30)
                retire(VAR / "php-store")
                make_php_materials_database(VAR / "php-store/materials.sqlite3")
                php = start_php()

            names = list(rps)
            for rep in range(REPS):
                for name in names[rep % len(names):] + names[:rep % len(names)]:
                    run(name)
            for process in floors.values():
                process.kill()
                process.wait(timeout=30)
            retire(VAR / "php-store")
            fresh_depot(durable=False)
            base = median(rps["php move_uploaded_file"])
            print(f"  (image body {png_size} bytes)")
            for name, values in rps.items():
                m = median(values)
                print(f"  {name:28s} {m:8.0f} req/s  ratio to PHP move_uploaded_file {m / base:5.2f}x   runs {[round(v) for v in values]}")
            for name in rps:
                handler, proxy = median([c["handler"] for c in cpu[name]]), median([c["nginx"] for c in cpu[name]])
                print(f"  {name:28s} CPU per request: handler {handler:6.0f} us, nginx {proxy:5.0f} us")
            for durability in ("off", "on"):
                depot_cpu = median([c["handler"] for c in cpu[f"depot (durable {durability})"]])
                job_cpu = median([c["handler"] for c in cpu[f"php same job (durable {durability})"]])
                print(f"  durable {durability}: php same job's handler CPU / depot's {job_cpu / depot_cpu:5.2f}x")
            for durability in ("off", "on"):
                depot_rps, job_rps = median(rps[f"depot (durable {durability})"]), median(rps[f"php same job (durable {durability})"])
                print(f"  durable {durability}: depot / php same job {depot_rps / job_rps:5.2f}x (target, durable off: 2x);"
                      f" depot / php move_uploaded_file {depot_rps / base:5.2f}x (target, durable off: 1x)")
            floor_move, floor_job, floor_depot = (median(rps[f"floor: C {kind}"]) for kind in ("tmpfile + link", "+ PHP's row", "+ Depot's rows"))
            job = median(rps["php same job (durable off)"])
            print(f"  floors / php move_uploaded_file: C tmpfile + link {floor_move / base:5.2f}x, C + PHP's row {floor_job / base:5.2f}x,"
                  f" C + Depot's rows {floor_depot / base:5.2f}x (the 1x target)", flush=True)
            print(f"  floors / php same job (durable off): C + PHP's row {floor_job / job:5.2f}x, C + Depot's rows {floor_depot / job:5.2f}x (the 2x target);"
                  f" depot (durable off) / C + Depot's rows {median(rps['depot (durable off)']) / floor_depot:5.2f}x", flush=True)
            results["w3"] = {k: median(v) for k, v in rps.items()}
            results["w3_cpu_us"] = {k: {"handler": median([c["handler"] for c in v]), "nginx": median([c["nginx"] for c in v])} for k, v in cpu.items()}
        failed = False
    finally:
        if failed:
            for log in ("depot.log", "nginx/error.log", "php/fpm.log"):
                path = VAR / log
                if path.exists():
                    print(f"--- {log}:\n" + "\n".join(path.read_text(errors="replace").splitlines()[-8:]), file=sys.stderr)
        for helper in HELPERS:
            helper.kill()
        nginx.send_signal(signal.SIGQUIT)
        php.send_signal(signal.SIGQUIT)
        depot.stop()
        nginx.wait(timeout=30)
        php.wait(timeout=30)
        if results:
            write_summary(results)
        shutil.rmtree(VAR, ignore_errors=True)


if __name__ == "__main__":
    main()
