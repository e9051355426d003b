"""Writes the fuzz targets' seed corpora (Tests/Fuzz/corpus/TARGET) from real encoders:
Pillow (and pillow-heif) for images, ffmpeg for audio and video, urllib3, requests, curl and
Chromium for multipart bodies, Depot's own configuration and request shapes for the rest.

The corpora are checked in; run this again only to refresh them (needs ffmpeg and curl):
    python3 Tests/Fuzz/make_corpus.py"""
import hashlib
import http.server
import io
import os
import shutil
import struct
import subprocess
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
FIXTURES = HERE.parent / "DepotCoreTests/Fixtures"


def write(target, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def images():
    from PIL import Image
    import pillow_heif
    pillow_heif.register_heif_opener()
    rgb = Image.new("RGB", (23, 17), (200, 30, 90))
    for x in range(23):
        rgb.putpixel((x, x % 17), (x * 10, 255 - x * 10, 0))
    rgba = rgb.convert("RGBA")
    saves = [
        (rgb, "JPEG", {}), (rgb, "JPEG", {"progressive": True}), (rgb.convert("CMYK"), "JPEG", {}), (rgb.convert("L"), "JPEG", {}),
        (rgb, "PNG", {}), (rgba, "PNG", {}), (rgb.convert("P"), "PNG", {}), (rgb.convert("I;16"), "PNG", {}),
        (rgb.convert("P"), "GIF", {}), (rgb, "WEBP", {"quality": 50}), (rgba, "WEBP", {"lossless": True}),
        (rgb, "BMP", {}), (rgb, "TIFF", {}), (rgb, "TIFF", {"compression": "tiff_lzw"}), (rgba, "ICO", {"sizes": [(16, 16), (32, 32)]}),
        (rgb, "AVIF", {}), (rgb, "HEIF", {}),
    ]
    for image, kind, options in saves:
        buffer = io.BytesIO()
        image.save(buffer, format=kind, **options)
        write("sniff", buffer.getvalue())
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    rgb.save(buffer, format="JPEG", exif=exif)
    write("sniff", buffer.getvalue())
    frames = [Image.new("RGB", (9, 7), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    for kind in ("GIF", "WEBP"):
        buffer = io.BytesIO()
        frames[0].save(buffer, format=kind, save_all=True, append_images=frames[1:], duration=50, loop=0)
        write("sniff", buffer.getvalue())


def media():
    if not shutil.which("ffmpeg"):
        raise SystemExit("ffmpeg is needed for the audio and video seeds (apt-get install ffmpeg)")
    with tempfile.TemporaryDirectory() as folder:
        video = ["-f", "lavfi", "-i", "testsrc=size=32x24:rate=5:duration=0.4"]
        audio = ["-f", "lavfi", "-i", "sine=frequency=440:duration=0.2"]
        jobs = [
            (video, ["-c:v", "libx264", "-pix_fmt", "yuv420p"], "a.mp4"), (video, ["-c:v", "libvpx-vp9"], "a.webm"),
            (video, ["-c:v", "mpeg4"], "a.mkv"), (video, ["-c:v", "mpeg4"], "a.mov"),
            (audio, ["-c:a", "aac"], "a.m4a"), (audio, ["-c:a", "libmp3lame"], "a.mp3"), (audio, [], "a.wav"),
            (audio, ["-c:a", "libvorbis"], "a.ogg"), (audio, [], "a.flac"), (audio, ["-c:a", "aac", "-f", "adts"], "a.aac"),
        ]
        for source, codec, name in jobs:
            path = Path(folder) / name
            result = subprocess.run(["ffmpeg", "-v", "error", "-y", *source, *codec, str(path)], capture_output=True)
            if result.returncode == 0 and path.stat().st_size < 64 * 1024:
                write("sniff", path.read_bytes())
            else:
                print(f"skipped {name}: {result.stderr.decode()[-200:]}")


def harness_multipart(body, boundary, limits=0, chunks=b"\x07\x0b\x01\x40\x03\x1f\x02\x11"):
    encoded = boundary.encode()
    return bytes([len(encoded) - 1]) + encoded + bytes([limits]) + chunks + body


def multipart():
    import urllib3
    import requests
    fields = {"meta": '{"shop": 7}', "tag": "x", "file": ("photo 报表.png", b"\x89PNG\r\n\x1a\n\r\n--", "image/png"),
              "doc": ("notes.txt", b"line one\r\nline two\r\n", "text/plain")}
    body, content_type = urllib3.encode_multipart_formdata(fields)
    write("multipart", harness_multipart(body, content_type.split("boundary=")[1]))
    prepared = requests.Request("POST", "http://x/", files={"f": ("a.bin", os.urandom(300))}, data={"k": "v"}).prepare()
    write("multipart", harness_multipart(prepared.body, prepared.headers["Content-Type"].split("boundary=")[1], limits=3))
    # curl, captured by a local server.
    captured = {}

    class Capture(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            captured["body"] = self.rfile.read(int(self.headers["Content-Length"]))
            captured["type"] = self.headers["Content-Type"]
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=server.handle_request, daemon=True).start()
    with tempfile.NamedTemporaryFile(suffix=".txt") as upload:
        upload.write(b"curl's file\r\n--not a boundary\r\n")
        upload.flush()
        subprocess.run(["curl", "-s", "-F", f"file=@{upload.name}", "-F", "name=value", f"http://127.0.0.1:{server.server_port}/"], check=True)
    server.server_close()
    write("multipart", harness_multipart(captured["body"], captured["type"].split("boundary=")[1]))
    for name in ("chromium", "curl", "requests"):
        body = (FIXTURES / f"{name}.multipart").read_bytes()
        boundary = (FIXTURES / f"{name}.multipart.type").read_text().strip().split("boundary=")[1]
        write("multipart", harness_multipart(body, boundary))
    # Near misses: a boundary-like line inside data, padding after delimiters.
    write("multipart", harness_multipart(b"--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nQQ\r\n--bQ\r\n--b  \r\n"
                                         b"Content-Disposition: form-data; name=\"g\"\r\n\r\nx\r\n--b--\r\n", "b"))


def config():
    text = (HERE.parent.parent / "conf/depot.conf").read_bytes()
    write("config", text)
    write("config", text.replace(b"\n", b"\r\n"))
    write("config", b"\xef\xbb\xbf[server]\nworkers = 8\n[fetch]\nallow_networks = 10.0.0.0/8, fd00::/8\n[limits]\nmax_file_size = 4G\n")
    write("config", b"[storage]\nroot = \"/srv/depot\"\ndurable = off\n[server]\ngrace_period = 1500ms\n")


def head():
    names = ["REQUEST_METHOD", "REQUEST_URI", "QUERY_STRING", "CONTENT_LENGTH", "CONTENT_TYPE", "HTTP_RANGE",
             "HTTP_AUTHORIZATION", "HTTP_IF_NONE_MATCH", "SCRIPT_NAME", "PATH_INFO", "DEPOT_BODY_FILE", "HTTP_ACCEPT"]

    def params(*pairs):
        return b"".join(bytes([names.index(name)]) + value.encode() + b"\0" for name, value in pairs)
    write("head", params(("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/api/files/path/cms/2026-01-01/a%20b.png?expires=1&sig=ab")))
    write("head", params(("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/api/uploads/cms/template?name=original&overwrite=1"),
                         ("CONTENT_TYPE", "multipart/form-data; boundary=x"), ("CONTENT_LENGTH", "123"), ("HTTP_AUTHORIZATION", "Bearer t")))
    write("head", params(("REQUEST_METHOD", "PUT"), ("REQUEST_URI", "/api/uploads/ns/%E6%8A%A5%E8%A1%A8.xlsx?ns=a/b"),
                         ("DEPOT_BODY_FILE", "/var/lib/nginx/body/0000001"), ("HTTP_RANGE", "bytes=0-99")))
    write("head", params(("SCRIPT_NAME", "/api/malls/3/materials"), ("QUERY_STRING", "limit=50&offset=0&type=&a=%zz&a=1")))


def json_seeds():
    for text in ['{"shop": 7, "tags": ["a", "b"], "nested": {"x": null, "y": true}}', '[1, 2.5, -3e10, "s\\u00e9\\n"]',
                 '"\\ud83d\\ude00"', '123456789012345678', '{"start_time": "2026-01-01", "end_time": "2026-02-01", "format": "xls"}']:
        write("json", text.encode())


def disposition():
    for text in ['form-data; name="file"; filename="photo.png"', "form-data; name=f; filename*=UTF-8''%E6%8A%A5%E8%A1%A8%2090%25.xlsx",
                 'form-data; name="a\\"b"; filename="C:\\\\x\\\\y.txt"', "attachment; filename=\"na\u00efve \\\"quoted\\\";name.txt\"",
                 "form-data; filename*=iso-8859-1''caf%E9.txt; name=x", "..\u0603/..\u0603/escaped.txt"]:
        write("disposition", text.encode())


def thumbnail():
    """[flag][size]\\0[flag][fit]\\0[flag][format]\\0[Accept]: the query values and the header as browsers send them."""
    accepts = [b"image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8", b"image/webp,*/*", b"*/*", b"",
               b"image/avif;q=0, image/webp;q=0.5", b"IMAGE/WEBP ; Q=1"]
    for size, fit, fmt, accept in [(b"256", b"contain", b"auto", accepts[0]), (b"64", b"cover", b"png", accepts[1]),
                                   (b"1024", b"contain", b"jpg", accepts[2]), (b"100", b"fill", b"gif", accepts[3]),
                                   (b"512", b"cover", b"avif", accepts[4]), (b"128", b"contain", b"webp", accepts[5])]:
        write("thumbnail", b"\x01" + size + b"\x00\x01" + fit + b"\x00\x01" + fmt + b"\x00" + accept)
    write("thumbnail", b"\x00\x00\x00" + accepts[0])


def cidr():
    for text in ["10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8", "::ffff:127.0.0.1/128", "64:ff9b::1.2.3.4", "2001:db8::/32", "0.0.0.0/0"]:
        write("cidr", text.encode())


if __name__ == "__main__":
    thumbnail()
    images()
    media()
    multipart()
    config()
    head()
    json_seeds()
    disposition()
    cidr()
    for folder in sorted(CORPUS.iterdir()):
        print(f"{folder.name}: {len(list(folder.iterdir()))} seeds, {sum(f.stat().st_size for f in folder.iterdir())} bytes")
