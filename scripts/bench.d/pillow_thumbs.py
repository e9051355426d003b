"""The Pillow peer of the thumbnail bench: an HTTP server that makes the same thumbnail Depot does
(EXIF orientation applied, sRGB, metadata stripped, a 256-pixel WebP at quality 80) the best way
Pillow can: `Image.draft` (libjpeg's DCT scaling, Pillow's shrink-on-load) then `thumbnail`.
Threads, because Pillow releases the GIL while it decodes, resizes and encodes.
usage: pillow_thumbs.py PORT"""
import io
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageCms, ImageOps

SRGB = ImageCms.createProfile("sRGB")


def thumbnail(path, size, quality):
    with Image.open(path) as image:
        image.draft("RGB", (size, size))
        image = ImageOps.exif_transpose(image)
        profile = image.info.get("icc_profile")
        if profile:
            image = ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(profile)), SRGB, outputMode="RGB")
        elif image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "WEBP", quality=quality)  # no exif= or icc_profile=: metadata stripped
        return out.getvalue()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        body = thumbnail(query["path"][0], int(query.get("size", ["256"])[0]), 80)
        self.send_response(200)
        self.send_header("Content-Type", "image/webp")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()
