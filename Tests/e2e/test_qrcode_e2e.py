"""QR codes through nginx, decoded by a real decoder (zbarimg)."""
import subprocess
import tempfile
import urllib.parse


def decode(png: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(png)
        f.flush()
        out = subprocess.run(["zbarimg", "-q", "--raw", f.name], capture_output=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.decode("utf-8").rstrip("\n")


def fetch(stack, text, **params):
    query = urllib.parse.urlencode({"text": text, **params})
    return stack.request("GET", f"/api/qrcode?{query}")


def test_ascii_chinese_and_a_thousand_characters(stack):
    for text in ["https://example.com/orders/12345?from=qr", "扫码关注 店铺二维码 测试", "x" * 1000, "中" * 333 + "a"]:
        r = fetch(stack, text, scale=4)
        assert r.status == 200
        assert r.header("Content-Type") == "image/png"
        assert r.header("Content-Length") == str(len(r.body))
        assert r.header("Transfer-Encoding") is None
        assert decode(r.body) == text


def test_every_level_across_versions(stack):
    # Lengths chosen to land in small, medium and large versions (up to 40 at level L).
    for ecc, lengths in {"L": [1, 50, 400, 1200, 2953], "M": [14, 200, 900, 2331], "Q": [30, 500, 1663], "H": [7, 300, 1273]}.items():
        for length in lengths:
            text = "".join(chr(65 + i % 26) for i in range(length))
            r = fetch(stack, text, ecc=ecc, scale=3, margin=4)
            assert r.status == 200, (ecc, length, r.body[:200])
            assert decode(r.body) == text, (ecc, length)


def test_bad_parameters_are_400(stack):
    assert fetch(stack, "x" * 2954, ecc="L").status == 400
    assert fetch(stack, "x" * 1274, ecc="H").json["code"] == 40000
    assert stack.request("GET", "/api/qrcode").status == 400
    assert stack.request("GET", "/api/qrcode?text=").status == 400
    for bad in [{"scale": 0}, {"scale": 33}, {"margin": 17}, {"margin": -1}, {"ecc": "X"}, {"scale": "big"}]:
        assert fetch(stack, "hi", **bad).status == 400, bad


def test_openapi_declares_png(stack):
    spec = stack.request("GET", "/api/openapi.json").json
    assert "image/png" in spec["paths"]["/api/qrcode"]["get"]["responses"]["200"]["content"]
