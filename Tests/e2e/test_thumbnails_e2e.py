"""Thumbnails through nginx: made once with libvips, then served by nginx like any stored file.
Pillow (with pillow-heif) is the oracle for every answer's size, mode and format."""
import io
import os
import threading
import urllib.parse

import pytest
from PIL import Image, ImageOps
from pillow_heif import register_heif_opener

from conftest import TOKEN, start_stack
from test_uploads_e2e import AUTH, multipart

register_heif_opener()

BROWSER_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


@pytest.fixture(scope="module")
def thumbs():
    started, stop = start_stack(
        extra_env={"DEPOT_AUTH_SIGNING_KEY": "thumb-key", "DEPOT_AUTH_PRIVATE_NAMESPACES": "secret"}, prefix="depot-thumbs-",
        nodes=int(os.environ.get("DEPOT_TEST_NODES", "1")))
    yield started
    stop()


def encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def upload(stack, name, data, namespace="gallery"):
    body, ctype = multipart([("f", name, None, data)])
    r = stack.request("POST", f"/api/uploads/{namespace}", body=body, headers={**AUTH, "Content-Type": ctype})
    assert r.status == 201, r.body
    return r.json["data"]["files"][0]


def thumbnail(stack, file_id, query="", accept=None, headers=None):
    all_headers = dict(headers or {})
    if accept is not None:
        all_headers["Accept"] = accept
    return stack.request("GET", f"/api/files/{file_id}/thumbnail{query}", headers=all_headers)


def opened(response):
    image = Image.open(io.BytesIO(response.body))
    image.load()
    return image


def thumbnail_files(stack):
    root = stack.storage / ".thumbnails"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def gradient(size, mode="RGB"):
    image = Image.new("RGB", size)
    image.putdata([(x * 255 // max(1, size[0] - 1), y * 255 // max(1, size[1] - 1), 128) for y in range(size[1]) for x in range(size[0])])
    return image.convert(mode) if mode != "RGB" else image


def expected_contain(width, height, box):
    scale = min(box / width, box / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def close_to(actual, expected):
    return all(abs(a - e) <= 1 for a, e in zip(actual, expected))


def test_jpeg_to_each_format_with_sizes_from_pillow(thumbs):
    meta = upload(thumbs, "photo.jpg", encode(gradient((1200, 800)), "JPEG", quality=90))
    for fmt, pillow_format in (("webp", "WEBP"), ("avif", "AVIF"), ("jpeg", "JPEG"), ("png", "PNG")):
        r = thumbnail(thumbs, meta["id"], f"?size=256&format={fmt}")
        assert r.status == 200, r.body
        assert r.header("Content-Type") == f"image/{fmt}"
        assert r.header("Vary") is None
        assert r.header("X-Accel-Redirect") is None
        assert r.header("Content-Length") == str(len(r.body))
        assert r.header("ETag") and r.header("Last-Modified")
        assert r.header("Content-Disposition").startswith("inline;") and f"photo.{'jpg' if fmt == 'jpeg' else fmt}" in r.header("Content-Disposition")
        image = opened(r)
        assert image.format == pillow_format
        assert close_to(image.size, expected_contain(1200, 800, 256)), (fmt, image.size)
        assert image.mode == "RGB"
        # The colours are the original's, scaled (top-left is dark, bottom-right bright).
        assert sum(image.getpixel((2, 2))[:2]) < 60 and sum(image.getpixel((image.width - 3, image.height - 3))[:2]) > 440
    cover = opened(thumbnail(thumbs, meta["id"], "?size=128&fit=cover&format=png"))
    assert cover.size == (128, 128)
    # Centre-cropped: the left edge of the square is a sixth of the way into the original.
    assert 30 < cover.getpixel((0, 64))[0] < 55


def test_auto_format_follows_accept_and_varies(thumbs):
    meta = upload(thumbs, "auto.jpg", encode(gradient((640, 480)), "JPEG"))
    cases = [(BROWSER_ACCEPT, "image/avif", "AVIF"), ("image/webp,*/*", "image/webp", "WEBP"), ("*/*", "image/jpeg", "JPEG"),
             (None, "image/jpeg", "JPEG"), ("image/avif;q=0,image/webp", "image/webp", "WEBP")]
    for accept, content_type, pillow_format in cases:
        r = thumbnail(thumbs, meta["id"], "?size=64", accept=accept)
        assert r.status == 200, r.body
        assert r.header("Content-Type") == content_type, accept
        assert r.header("Vary") == "Accept"
        assert r.header("X-Content-Type-Options") == "nosniff"
        image = opened(r)
        assert image.format == pillow_format and image.size == (64, 48)


def test_transparency_is_kept(thumbs):
    rgba = Image.new("RGBA", (400, 300), (255, 0, 0, 0))
    rgba.paste((0, 0, 255, 255), (100, 75, 300, 225))
    meta = upload(thumbs, "logo.png", encode(rgba, "PNG"))
    legacy = thumbnail(thumbs, meta["id"], "?size=128", accept="*/*")
    assert legacy.header("Content-Type") == "image/png"
    image = opened(legacy)
    assert image.format == "PNG" and image.mode == "RGBA" and image.size == (128, 96)
    assert image.getpixel((1, 1))[3] == 0 and image.getpixel((64, 48))[3] == 255
    webp = opened(thumbnail(thumbs, meta["id"], "?size=128", accept="image/webp"))
    assert webp.format == "WEBP" and webp.mode == "RGBA" and webp.getpixel((1, 1))[3] < 10
    # Asked for JPEG: composed onto white.
    jpeg = opened(thumbnail(thumbs, meta["id"], "?size=128&format=jpeg"))
    assert jpeg.mode == "RGB" and min(jpeg.getpixel((1, 1))) > 240
    # An opaque PNG under auto without WebP or AVIF becomes JPEG.
    opaque = upload(thumbs, "opaque.png", encode(gradient((300, 300)), "PNG"))
    assert thumbnail(thumbs, opaque["id"], "?size=64", accept="*/*").header("Content-Type") == "image/jpeg"


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animation_gives_its_first_frame(thumbs, fmt):
    frames = [Image.new("RGB", (300, 200), colour) for colour in ((250, 0, 0), (0, 250, 0), (0, 0, 250))]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    meta = upload(thumbs, f"anim.{fmt.lower()}", data)
    for out in ("png", "webp"):
        image = opened(thumbnail(thumbs, meta["id"], f"?size=128&format={out}"))
        assert getattr(image, "n_frames", 1) == 1
        assert image.size == (128, 85) or close_to(image.size, (128, 85))
        red, green, blue = image.convert("RGB").getpixel((64, 40))
        assert red > 200 and green < 50 and blue < 50


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_heic_and_avif_originals(thumbs, fmt):
    data = encode(gradient((800, 600)), fmt, quality=80)
    meta = upload(thumbs, f"phone.{'heic' if fmt == 'HEIF' else 'avif'}", data)
    assert meta["content_type"] == ("image/heic" if fmt == "HEIF" else "image/avif")
    image = opened(thumbnail(thumbs, meta["id"], "?size=256&format=jpeg"))
    assert image.format == "JPEG" and image.mode == "RGB" and close_to(image.size, (256, 192))
    assert sum(image.getpixel((250, 188))[:2]) > 400


def test_progressive_jpeg_and_interlaced_sources(thumbs):
    data = encode(gradient((900, 600)), "JPEG", quality=85, progressive=True)
    assert Image.open(io.BytesIO(data)).info.get("progressive") == 1
    meta = upload(thumbs, "web.jpg", data)
    image = opened(thumbnail(thumbs, meta["id"], "?size=128&format=webp"))
    assert image.format == "WEBP" and image.size == (128, 85)


def test_cmyk_jpeg_becomes_srgb(thumbs):
    cmyk = Image.new("CMYK", (400, 400), (0, 255, 255, 0))  # pure red ink
    meta = upload(thumbs, "print.jpg", encode(cmyk, "JPEG", quality=95))
    image = opened(thumbnail(thumbs, meta["id"], "?size=64&format=png"))
    assert image.mode == "RGB" and image.size == (64, 64)
    red, green, blue = image.getpixel((32, 32))
    assert red > 180 and green < 90 and blue < 90


def test_sixteen_bit_png(thumbs):
    deep = Image.new("I;16", (500, 250))
    deep.putdata([x * 131 for y in range(250) for x in range(500)])
    data = encode(deep, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I;16")
    meta = upload(thumbs, "deep.png", data)
    image = opened(thumbnail(thumbs, meta["id"], "?size=128&format=png"))
    assert image.mode == "RGB" and image.size == (128, 64)
    assert image.getpixel((2, 32))[0] < 40 and image.getpixel((125, 32))[0] > 200


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(thumbs, orientation):
    base = Image.new("RGB", (300, 200), (0, 0, 0))
    base.paste((255, 0, 0), (0, 0, 150, 100))  # the stored top-left quarter is red
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(base, "JPEG", quality=95, exif=exif.tobytes())
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    meta = upload(thumbs, f"o{orientation}.jpg", data)
    image = opened(thumbnail(thumbs, meta["id"], "?size=64&format=png"))
    want = expected_contain(*upright.size, 64)
    assert close_to(image.size, want), (orientation, image.size, want)
    assert "exif" not in image.info  # metadata stripped
    for fx, fy in ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)):
        oracle = upright.getpixel((int(fx * upright.width), int(fy * upright.height)))[0] > 128
        seen = image.getpixel((int(fx * image.width), int(fy * image.height)))[0] > 128
        assert oracle == seen, (orientation, fx, fy)


def test_tiny_and_strip_images(thumbs):
    one = upload(thumbs, "dot.png", encode(Image.new("RGB", (1, 1), (9, 9, 9)), "PNG"))
    image = opened(thumbnail(thumbs, one["id"], "?size=256&format=png"))
    assert image.size == (1, 1)  # never enlarged
    strip = upload(thumbs, "strip.png", encode(gradient((10000, 10)), "PNG"))
    image = opened(thumbnail(thumbs, strip["id"], "?size=256&format=png"))
    assert image.size == (256, 1)
    cover = opened(thumbnail(thumbs, strip["id"], "?size=64&fit=cover&format=png"))
    assert cover.size == (64, 10)  # cover crops to the box but never enlarges either


def test_bad_parameters(thumbs):
    meta = upload(thumbs, "p.jpg", encode(gradient((100, 100)), "JPEG"))
    for query, word in (("?size=100", "size"), ("?size=abc", "size"), ("?fit=stretch", "fit"), ("?format=gif", "format")):
        r = thumbnail(thumbs, meta["id"], query)
        assert r.status == 400 and r.json["code"] == 40000 and word in r.json["msg"], (query, r.body)
    assert thumbnail(thumbs, "no-such-id").status == 404


def test_non_images_and_undecodable_images(thumbs):
    text = upload(thumbs, "notes.txt", b"just words\n" * 10)
    r = thumbnail(thumbs, text["id"])
    assert r.status == 415 and r.json["code"] == 41500
    svg = upload(thumbs, "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')
    r = thumbnail(thumbs, svg["id"])
    assert r.status == 415 and r.json["code"] == 41500
    jpeg = encode(gradient((600, 400)), "JPEG", quality=90)
    truncated = upload(thumbs, "cut.jpg", jpeg[: len(jpeg) // 2])
    r = thumbnail(thumbs, truncated["id"], "?format=webp")
    assert r.status == 415 and r.json["code"] == 41500 and "decoded" in r.json["msg"], r.body
    png = encode(gradient((200, 200)), "PNG")
    bad_crc = bytearray(png)
    bad_crc[29] ^= 0xFF  # the IHDR chunk's CRC
    cut_png = png[: len(png) // 2]
    for broken in (bytes(bad_crc), cut_png):
        with pytest.raises(Exception):  # the oracle agrees: Pillow cannot decode them either
            Image.open(io.BytesIO(broken)).load()
    metas = []
    for name, data in (("crc.png", bytes(bad_crc)), ("cut.png", cut_png)):
        body, ctype = multipart([("f", name, None, data)])
        stored = thumbs.request("POST", "/api/uploads/gallery", body=body, headers={**AUTH, "Content-Type": ctype})
        assert stored.status == 201, stored.body
        metas.append(stored.json["data"]["files"][0])
        for fmt in ("webp", "png"):
            for size in (64, 1024):
                r = thumbnail(thumbs, metas[-1]["id"], f"?size={size}&format={fmt}")
                assert r.status == 415 and r.json["code"] == 41500 and "decoded" in r.json["msg"], (name, size, r.body)
    bad_crc = metas[0]
    # Nothing was kept for any of them.
    names = [p.name for p in thumbnail_files(thumbs)]
    for meta in (text, svg, truncated, *metas):
        assert not any(meta["sha256"] in name for name in names)


def test_made_once_then_served_by_nginx_with_range_and_304(thumbs):
    meta = upload(thumbs, "once.jpg", encode(gradient((900, 600)), "JPEG"))
    first = thumbnail(thumbs, meta["id"], "?size=512&format=webp")
    made = [p for p in thumbnail_files(thumbs) if meta["sha256"] in p.name]
    assert len(made) == 1 and made[0].read_bytes() == first.body
    assert made[0].name.startswith(meta["sha256"] + "-512-contain-webp-")
    mtime = made[0].stat().st_mtime_ns
    again = thumbnail(thumbs, meta["id"], "?size=512&format=webp")
    assert again.body == first.body and again.header("ETag") == first.header("ETag")
    assert made[0].stat().st_mtime_ns == mtime and len([p for p in thumbnail_files(thumbs) if meta["sha256"] in p.name]) == 1
    ranged = thumbnail(thumbs, meta["id"], "?size=512&format=webp", headers={"Range": "bytes=0-9"})
    assert ranged.status == 206 and ranged.body == first.body[:10]
    cached = thumbnail(thumbs, meta["id"], "?size=512&format=webp", headers={"If-None-Match": first.header("ETag")})
    assert cached.status == 304
    head = thumbs.request("HEAD", f"/api/files/{meta['id']}/thumbnail?size=512&format=webp")
    assert head.status == 200 and head.body == b"" and head.header("Content-Length") == str(len(first.body))
    with thumbs.db() as db:
        rows = db.execute("SELECT variant, path, size FROM thumbnails WHERE file_id = ?", (meta["id"],))
    assert [(r[0], r[2]) for r in rows] == [("512-contain-webp", len(first.body))]


def test_concurrent_first_requests_make_it_once(thumbs):
    meta = upload(thumbs, "busy.jpg", encode(gradient((2000, 1500)), "JPEG"))
    bodies, errors = [], []

    def fetch():
        try:
            r = thumbnail(thumbs, meta["id"], "?size=1024&format=avif")
            assert r.status == 200, r.body
            bodies.append(r.body)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(bodies) == 8 and len(set(bodies)) == 1
    assert len([p for p in thumbnail_files(thumbs) if meta["sha256"] in p.name]) == 1


def test_private_originals_need_token_or_the_originals_signature(thumbs):
    meta = upload(thumbs, "secret.jpg", encode(gradient((300, 300)), "JPEG"), namespace="secret")
    assert thumbnail(thumbs, meta["id"], "?size=64").status == 401
    assert thumbnail(thumbs, meta["id"], "?size=64", headers={"Authorization": f"Bearer {TOKEN}"}).status == 200
    link = thumbs.request("POST", f"/api/files/{meta['id']}/link", body=b'{"ttl": 60}', headers={**AUTH, "Content-Type": "application/json"})
    url = link.json["data"]["url"]
    path, query = url.split("?", 1)
    signed = thumbs.request("GET", f"{path}/thumbnail?size=64&{query}")
    assert signed.status == 200 and opened(signed).size == (64, 64)
    forged = query.replace("sig=", "sig=0")
    assert thumbs.request("GET", f"{path}/thumbnail?size=64&{forged}").status == 403
    other = upload(thumbs, "other.jpg", encode(gradient((300, 300)), "JPEG"), namespace="secret")
    # A signature is for one file: another file's thumbnail refuses it.
    assert thumbs.request("GET", f"/api/files/{other['id']}/thumbnail?size=64&{query}").status == 403


def test_delete_and_overwrite_remove_thumbnails(thumbs):
    body, ctype = multipart([("file", "m.jpg", None, encode(gradient((500, 500)), "JPEG"))])
    r = thumbs.request("POST", "/api/malls/7/materials", body=body, headers={**AUTH, "Content-Type": ctype})
    assert r.status == 200, r.body
    material = r.json["data"][0]
    assert material["success"], material
    file_id = material["url"].rsplit("/", 1)[-1]
    for size in (64, 128):
        assert thumbnail(thumbs, file_id, f"?size={size}&format=webp").status == 200
    before = set(thumbnail_files(thumbs))
    assert thumbs.request("DELETE", f"/api/materials/{material['id']}", headers=AUTH).status == 200
    after = set(thumbnail_files(thumbs))
    assert len(before - after) == 2
    assert thumbnail(thumbs, file_id, "?size=64&format=webp").status == 404

    # Overwrite by PUT: the old content's thumbnails go; the new content gets its own.
    first = encode(Image.new("RGB", (400, 400), (250, 0, 0)), "JPEG")
    put = thumbs.request("PUT", "/api/uploads/gallery/same.jpg?name=original", body=first, headers=AUTH)
    assert put.status == 201, put.body
    red = opened(thumbnail(thumbs, put.json["data"]["id"], "?size=64&format=png"))
    assert red.getpixel((32, 32))[0] > 200
    old = set(thumbnail_files(thumbs))
    second = encode(Image.new("RGB", (400, 400), (0, 0, 250)), "JPEG")
    put2 = thumbs.request("PUT", "/api/uploads/gallery/same.jpg?name=original&overwrite=1", body=second, headers=AUTH)
    assert put2.status == 201, put2.body
    assert len(old - set(thumbnail_files(thumbs))) == 1
    blue = opened(thumbnail(thumbs, put2.json["data"]["id"], "?size=64&format=png"))
    assert blue.getpixel((32, 32))[2] > 200 and blue.getpixel((32, 32))[0] < 50
    with thumbs.db() as db:
        assert db.execute("SELECT COUNT(*) FROM thumbnail_garbage")[0][0] == 0
