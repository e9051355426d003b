"""The content sniffer against Pillow's reading of the same bytes (Pillow as the oracle)."""
import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from conftest import ROOT

import pillow_heif  # noqa: E402
pillow_heif.register_heif_opener()

BINARY = os.environ.get("DEPOT_BINARY") or str(ROOT / ".build/debug/depot")


def sniff(paths):
    out = subprocess.run([BINARY, "--sniff", *map(str, paths)], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def big_endian_tiff(width, height):
    """A minimal big-endian ("MM") 8-bit greyscale TIFF; width as SHORT, height as LONG."""
    import struct
    entries = [(256, 3, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 0), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, width * height)]
    ifd_size = 2 + 12 * len(entries) + 4
    data_offset = 8 + ifd_size
    out = b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", len(entries))
    for tag, kind, count, value in entries:
        value = data_offset if tag == 273 else value
        packed = struct.pack(">HH", value, 0) if kind == 3 else struct.pack(">I", value)
        out += struct.pack(">HHI", tag, kind, count) + packed
    return out + struct.pack(">I", 0) + bytes(width * height)


def make_images(folder: Path):
    """(name, bytes) pairs covering each format and its variants."""
    rgb = Image.new("RGB", (37, 23), (200, 30, 90))
    rgba = Image.new("RGBA", (41, 19), (10, 200, 30, 128))
    cases = {}

    def save(name, image, **kwargs):
        buffer = io.BytesIO()
        image.save(buffer, **kwargs)
        cases[name] = buffer.getvalue()

    save("baseline.jpg", rgb, format="JPEG")
    save("progressive.jpg", rgb, format="JPEG", progressive=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotated; Pillow still reports the stored size
    exif[0x010E] = "x" * 30000  # a large APP1 before SOF
    save("exif.jpg", Image.new("RGB", (120, 80)), format="JPEG", exif=exif)
    save("rgba.png", rgba, format="PNG")
    save("palette.gif", rgb.convert("P"), format="GIF")
    save("lossy.webp", rgb, format="WEBP", quality=80)
    save("lossless.webp", rgba, format="WEBP", lossless=True)
    frames = [Image.new("RGB", (33, 17), color) for color in ((255, 0, 0), (0, 255, 0))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="WEBP", save_all=True, append_images=frames[1:], duration=100)
    cases["animated.webp"] = buffer.getvalue()
    save("rgb.bmp", rgb, format="BMP")
    save("le.tiff", rgb, format="TIFF")
    cases["be.tiff"] = big_endian_tiff(37, 23)
    save("icon.ico", Image.new("RGBA", (48, 48)), format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    save("image.avif", rgb, format="AVIF")
    save("image.heic", rgb, format="HEIF")
    for name, data in cases.items():
        (folder / name).write_bytes(data)
    return sorted(cases)


def test_images_match_pillow(tmp_path):
    names = make_images(tmp_path)
    results = {Path(r["path"]).name: r for r in sniff(tmp_path / n for n in names)}
    expected_format = {"JPEG": "jpeg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp", "TIFF": "tiff",
                       "ICO": "ico", "AVIF": "avif", "HEIF": "heif"}
    for name in names:
        with Image.open(tmp_path / name) as image:
            oracle = (expected_format[image.format], image.size)
        got = results[name]
        assert got["kind"] == "image", name
        assert (got["format"], (got["width"], got["height"])) == oracle, f"{name}: depot {got} vs Pillow {oracle}"
    be = (tmp_path / "be.tiff").read_bytes()[:2]
    assert be == b"MM", "the big-endian TIFF case must really be big-endian"


def test_declared_types_and_names_are_ignored(tmp_path):
    html = tmp_path / "photo.png"
    html.write_bytes(b"<!DOCTYPE html><html><script>alert(1)</script></html>")
    svg = tmp_path / "logo.jpg"
    svg.write_bytes(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>')
    text = tmp_path / "notes.bin"
    text.write_text("plain words, 中文 too\n")
    # A GIF header followed by HTML (a polyglot) is a GIF as far as bytes go; it is served as one.
    polyglot = tmp_path / "poly.html"
    polyglot.write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00<html><script>alert(1)</script>")
    got = {Path(r["path"]).name: r for r in sniff([html, svg, text, polyglot])}
    assert got["photo.png"]["content_type"] == "text/html" and got["photo.png"]["kind"] == "other"
    assert got["logo.jpg"]["content_type"] == "image/svg+xml" and got["logo.jpg"]["kind"] == "other"
    assert got["notes.bin"]["content_type"].startswith("text/plain")
    assert got["poly.html"]["format"] == "gif" and got["poly.html"]["width"] == 1
