"""Downloads through nginx's X-Accel-Redirect: bytes, headers, Range, conditional requests, HEAD."""
import email.utils
import os
import urllib.parse

from conftest import TOKEN
from test_uploads_e2e import AUTH, multipart, png_bytes


def upload(stack, name, data, namespace="dl"):
    body, ctype = multipart([("f", name, None, data)])
    r = stack.request("POST", f"/api/uploads/{namespace}", body=body, headers={**AUTH, "Content-Type": ctype})
    assert r.status == 201, r.body
    return r.json["data"]["files"][0]


def test_file_bytes_and_headers_through_nginx(stack):
    data = os.urandom(300_000)
    meta = upload(stack, "报表 90%.xlsx", data)
    r = stack.request("GET", f"/api/files/{meta['id']}")
    assert r.status == 200
    assert r.body == data
    assert r.header("Content-Disposition") == "attachment; filename=\"__ 90%.xlsx\"; filename*=UTF-8''%E6%8A%A5%E8%A1%A8%2090%25.xlsx"
    assert r.header("X-Content-Type-Options") == "nosniff"
    assert r.header("X-Accel-Redirect") is None
    assert r.header("Content-Length") == str(len(data))
    by_path = stack.request("GET", "/api/files/path" + urllib.parse.quote(meta["path"]))
    assert by_path.status == 200 and by_path.body == data


def test_quoted_name_and_inline_image(stack):
    # Quotes inside the quoted filename are sent as quoted-pairs (RFC 7230 §3.2.6).
    meta = upload(stack, 'naïve \\"quoted\\";name.png', png_bytes((5, 5)))
    assert meta["origin_filename"] == 'naïve "quoted";name.png'
    r = stack.request("GET", f"/api/files/{meta['id']}")
    assert r.header("Content-Type") == "image/png"
    assert r.header("Content-Disposition") == (
        "inline; filename=\"na_ve \\\"quoted\\\";name.png\"; filename*=UTF-8''na%C3%AFve%20%22quoted%22%3Bname.png")
    forced = stack.request("GET", f"/api/files/{meta['id']}?download=1")
    assert forced.header("Content-Disposition").startswith("attachment;")


def test_range_conditional_and_head_are_served_by_nginx(stack):
    data = bytes(range(256)) * 1000
    meta = upload(stack, "bytes.bin", data)
    uri = f"/api/files/{meta['id']}"
    part = stack.request("GET", uri, headers={"Range": "bytes=1000-1999"})
    assert part.status == 206 and part.body == data[1000:2000]
    assert part.header("Content-Range") == f"bytes 1000-1999/{len(data)}"
    whole = stack.request("GET", uri)
    modified = whole.header("Last-Modified")
    assert modified
    again = stack.request("GET", uri, headers={"If-Modified-Since": modified})
    assert again.status == 304 and again.body == b""
    head = stack.request("HEAD", uri)
    assert head.status == 200 and head.body == b"" and head.header("Content-Length") == str(len(data))


def test_active_content_is_sandboxed(stack):
    meta = upload(stack, "page.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>")
    r = stack.request("GET", f"/api/files/{meta['id']}")
    assert r.status == 200
    assert r.header("Content-Type") == "text/html"
    assert r.header("Content-Security-Policy") == "sandbox"
    assert r.header("Content-Disposition").startswith("attachment;")
    assert r.header("X-Content-Type-Options") == "nosniff"


def test_odd_characters_in_stored_names_reach_the_file(stack):
    body, ctype = multipart([("f", "a b%?#名.txt", None, b"odd")])
    r = stack.request("POST", "/api/uploads/odd?name=original", body=body, headers={**AUTH, "Content-Type": ctype})
    assert r.status == 201, r.body
    meta = r.json["data"]["files"][0]
    assert meta["path"].endswith("/a b%?#名.txt")
    got = stack.request("GET", f"/api/files/{meta['id']}")
    assert got.status == 200 and got.body == b"odd"


def test_missing_file_is_a_json_404(stack):
    meta = upload(stack, "gone.bin", b"soon gone")
    (stack.storage / meta["path"].lstrip("/")).unlink()
    r = stack.request("GET", f"/api/files/{meta['id']}")
    assert r.status == 404 and r.json["code"] == 40400


def test_traversal_through_nginx_is_refused(stack):
    for path in ["/api/files/path/dl/%2e%2e/%2e%2e/etc/passwd", "/api/files/path/dl/..%2F..%2Fetc/passwd"]:
        r = stack.request("GET", path)
        assert r.status in (403, 404), path
        assert r.body[:1] == b"{"


def test_openapi_declares_file_media_types(stack):
    spec = stack.request("GET", "/api/openapi.json").json
    content = spec["paths"]["/api/files/{id}"]["get"]["responses"]["200"]["content"]
    assert {"image/*", "video/*", "audio/*"} <= set(content)
    assert spec["paths"]["/api/files/{id}/link"]["post"]["security"] == [{"bearer": []}]
