"""Mixed load against a running stack for a bounded time, with the responder's RSS and descriptor
count sampled throughout. Fails on any unexpected status, or when RSS still grows in the last third.

Run by scripts/soak, which starts nginx and the responder on loopback and stops them afterwards."""
import argparse
import http.client
import io
import json
import os
import random
import struct
import sys
import threading
import time
import zlib

TOKEN = "soak-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def png(width, height, seed):
    raw = b"".join(b"\0" + bytes((seed + x * 7 + y * 3) % 256 for x in range(width * 3)) for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def multipart(files, fields=None):
    boundary = "soak%016x" % random.getrandbits(64)
    out = io.BytesIO()
    for name, value in (fields or {}).items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for field, filename, data in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Client:
    """One keep-alive connection to nginx, and the files this client uploaded (to read and delete)."""

    def __init__(self, host, port, seed):
        self.host, self.port = host, port
        self.random = random.Random(seed)
        self.connection = None
        self.files = []
        self.materials = []

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.connection.close()
                    self.connection = None
                return response.status, data
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")

    def step(self):
        """One request chosen from the mix; returns (operation, status, expected statuses)."""
        r = self.random.random()
        if r < 0.20:
            size = self.random.choice([1024, 4096, 65536, 300_000])
            body, kind = multipart([("file", f"f{self.random.randrange(10**6)}.bin", os.urandom(size))], {"shop": "7"})
            status, data = self.request("POST", "/api/uploads/soak", body, {**AUTH, "Content-Type": kind})
            if status == 201:
                self.files.append(json.loads(data)["data"]["files"][0]["id"])
            return "upload", status, (201,)
        if r < 0.30:
            status, data = self.request("PUT", f"/api/uploads/soak/p{self.random.randrange(10**6)}.txt", os.urandom(2048), AUTH)
            if status == 201:
                self.files.append(json.loads(data)["data"]["id"])
            return "put", status, (201,)
        if r < 0.40:
            body, kind = multipart([("file", "p.png", png(self.random.randint(1, 40), self.random.randint(1, 40), self.random.randrange(256)))])
            status, data = self.request("POST", "/api/malls/3/materials", body, {**AUTH, "Content-Type": kind})
            if status == 200:
                self.materials.extend(entry["id"] for entry in json.loads(data)["data"] if entry.get("success"))
            return "materials", status, (200,)
        if r < 0.47 and self.materials:
            material = self.materials.pop(self.random.randrange(len(self.materials)))
            status, _ = self.request("DELETE", f"/api/materials/{material}", None, AUTH)
            return "delete", status, (200,)
        if r < 0.52:
            offset = self.random.randrange(0, 200)
            status, _ = self.request("GET", f"/api/malls/3/materials?limit={self.random.randint(1, 100)}&offset={offset}")
            return "list", status, (200,)
        if r < 0.80 and self.files:
            status, _ = self.request("GET", f"/api/files/{self.random.choice(self.files)}")
            return "download", status, (200,)
        if r < 0.85:
            status, _ = self.request("GET", f"/api/qrcode?text=soak-{self.random.randrange(10**6)}")
            return "qrcode", status, (200,)
        if r < 0.88:
            today = time.strftime("%Y-%m-%d")
            status, _ = self.request("GET", f"/api/reports/export?format=csv&start_time=2000-01-01&end_time=2100-01-01&mall_id=3")
            return "export", status, (200,)
        if r < 0.92:
            status, _ = self.request("GET", f"/api/files/{'0' * 8}-missing")
            return "missing", status, (404,)
        if r < 0.96:
            status, _ = self.request("GET", "/api/metrics")
            return "metrics", status, (200,)
        status, _ = self.request("GET", "/api/healthz")
        return "healthz", status, (200,)


def sample(pid):
    rss = 0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss, fds


def slope(points):
    """Least-squares slope of (t, y) points, per minute."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return 0.0 if var == 0 else sum((t - mean_t) * (y - mean_y) for t, y in points) / var * 60


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--interval", type=float, default=10, help="seconds between samples")
    args = parser.parse_args()

    deadline = time.monotonic() + args.minutes * 60
    counts, errors, lock = {}, [], threading.Lock()

    def run(seed):
        client = Client("127.0.0.1", args.port, seed)
        while time.monotonic() < deadline:
            try:
                operation, status, expected = client.step()
            except Exception as error:  # noqa: BLE001 - every failure is counted and reported
                operation, status, expected = "error", repr(error), ()
            with lock:
                counts[operation] = counts.get(operation, 0) + 1
                if status not in expected:
                    errors.append(f"{operation} -> {status}")

    threads = [threading.Thread(target=run, args=(seed,), daemon=True) for seed in range(args.clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    series = []
    print(f"soak: {args.clients} clients for {args.minutes:g} min; samples every {args.interval:g} s", flush=True)
    print(f"{'t (s)':>7} {'requests':>9} {'errors':>7} {'RSS (MiB)':>10} {'fds':>5}", flush=True)
    while any(thread.is_alive() for thread in threads):
        time.sleep(min(args.interval, max(0.1, deadline - time.monotonic())) if time.monotonic() < deadline else 0.5)
        rss, fds = sample(args.pid)
        elapsed = time.monotonic() - started
        with lock:
            total, failed = sum(counts.values()), len(errors)
        if elapsed <= args.minutes * 60 + 1:
            series.append((elapsed, rss, fds))
            print(f"{elapsed:7.0f} {total:9d} {failed:7d} {rss:10.1f} {fds:5d}", flush=True)
    # Quiet again: memory should come back down (the responder trims when idle).
    time.sleep(max(args.interval, 15))
    idle_rss, idle_fds = sample(args.pid)
    total = sum(counts.values())
    print(f"soak: {total} requests ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})")
    print(f"soak: {len(errors)} errors" + (f"; first: {errors[:5]}" if errors else ""))
    third = [point for point in series if point[0] >= series[-1][0] * 2 / 3] if series else []
    middle = [point for point in series if series[-1][0] / 3 <= point[0] < series[-1][0] * 2 / 3] if series else []
    growth = slope([(t, rss) for t, rss, _ in third])
    peak_middle = max((rss for _, rss, _ in middle), default=0)
    peak_last = max((rss for _, rss, _ in third), default=0)
    print(f"soak: RSS {series[0][1]:.1f} -> {series[-1][1]:.1f} MiB (peak {max(r for _, r, _ in series):.1f}), "
          f"last third slope {growth:+.2f} MiB/min, peak middle third {peak_middle:.1f}, peak last third {peak_last:.1f}; "
          f"idle after load {idle_rss:.1f} MiB; fds {series[0][2]} -> {series[-1][2]}, idle {idle_fds}")
    # Medians, not peaks: RSS swings a few MiB from one sample to the next with what is in flight.
    median = lambda values: sorted(values)[len(values) // 2] if values else 0
    median_middle = median([rss for _, rss, _ in middle])
    median_last = median([rss for _, rss, _ in third])
    print(f"soak: median RSS middle third {median_middle:.1f} MiB, last third {median_last:.1f} MiB")
    growing = growth > 0.5 and median_last > median_middle + 2
    fds_growing = idle_fds > series[0][2] + 4
    ok = not errors and not growing and not fds_growing and total > 0
    if growing:
        print("soak: FAILED: RSS is still growing in the last third")
    if fds_growing:
        print("soak: FAILED: descriptors grew")
    print(f"soak: {1 if ok else 0} passed, {0 if ok else 1} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
