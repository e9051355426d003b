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
    # A GIF header followed by HTML (a polyglot) has no frame: Pillow cannot open it as an image, and
    # Depot does not call it one (never text/html either: it is served as opaque bytes).
    polyglot = tmp_path / "poly.html"
    polyglot.write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00<html><script>alert(1)</script>")
    got = {Path(r["path"]).name: r for r in sniff([html, svg, text, polyglot])}
    assert got["photo.png"]["content_type"] == "text/html" and got["photo.png"]["kind"] == "other"
    assert got["logo.jpg"]["content_type"] == "image/svg+xml" and got["logo.jpg"]["kind"] == "other"
    assert got["notes.bin"]["content_type"].startswith("text/plain")
    assert got["poly.html"]["kind"] == "other" and got["poly.html"]["content_type"] == "application/octet-stream"
    with pytest.raises(Exception):
        Image.open(polyglot).load()


def crafted_headers():
    """Headers an attacker would send: huge sides behind junk, frames larger than the screen,
    unsigned fields with the sign bit set. (name, bytes)."""
    import struct
    le16, le32, be16 = (lambda v: struct.pack("<H", v)), (lambda v: struct.pack("<I", v)), (lambda v: struct.pack(">H", v))
    sof = lambda w, h: b"\xff\xc0" + be16(17) + b"\x08" + be16(h) + be16(w) + b"\x03" + b"\x01\x11\x00\x02\x11\x01\x03\x11\x01"
    app0 = b"\xff\xe0" + be16(16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    gif_frame = lambda x, y, w, h: b"," + le16(x) + le16(y) + le16(w) + le16(h) + b"\x00\x02\x02\x4c\x01\x00"
    bmp = lambda w, h: b"BM" + le32(0) + le32(0) + le32(54) + le32(40) + le32(w) + le32(h) + le16(1) + le16(24) + bytes(24)
    return [
        ("junk.jpg", b"\xff\xd8" + app0 + b"\x00" + sof(60000, 60000) + b"\xff\xda\x00\x02\xff\xd9"),
        ("two_sof.jpg", b"\xff\xd8" + app0 + sof(1, 1) + sof(4000, 3000) + b"\xff\xda\x00\x02\xff\xd9"),
        ("frame.gif", b"GIF89a" + le16(1) + le16(1) + b"\x00\x00\x00" + b"\x21\xf9\x04\x00\x00\x00\x00\x00"
         + gif_frame(0, 0, 60000, 60000) + b";"),
        ("offset.gif", b"GIF87a" + le16(10) + le16(10) + b"\x00\x00\x00" + b"\x07" + gif_frame(5, 8, 10, 10) + b";"),
        ("signbit.bmp", bmp(0x80000000, 0x80000000)),
        ("topdown.bmp", bmp(7, 0xFFFFFFF0)),
    ]


def test_crafted_headers_match_pillow(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # Pillow must report the size, not refuse it
    for name, data in crafted_headers():
        (tmp_path / name).write_bytes(data)
    got = {Path(r["path"]).name: r for r in sniff(tmp_path / name for name, _ in crafted_headers())}
    for name, _ in crafted_headers():
        with Image.open(tmp_path / name) as image:
            assert (got[name]["width"], got[name]["height"]) == image.size, f"{name}: depot {got[name]} vs Pillow {image.size}"
            assert got[name]["kind"] == "image"
