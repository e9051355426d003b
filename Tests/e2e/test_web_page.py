"""The web page driven in a real headless Chromium (Debian's chromium + chromium-driver, selenium)."""
import hashlib
import io
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ROOT, TOKEN

ARTIFACTS = ROOT / "Tests/e2e/artifacts"


@pytest.fixture
def browser():
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    # No skip: without a browser this test fails, as it must.
    assert chromium and driver_path, "chromium and chromium-driver must be installed (scripts/test installs them)"
    downloads = Path(tempfile.mkdtemp(prefix="depot-downloads-"))
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.downloads = downloads
    yield driver
    driver.quit()
    shutil.rmtree(downloads, ignore_errors=True)


def make_files(folder: Path):
    paths = []
    for name, size, color in [("red.png", (40, 30), (220, 20, 20)), ("blue.png", (24, 48), (20, 20, 220))]:
        buffer = io.BytesIO()
        Image.new("RGB", size, color).save(buffer, format="PNG")
        (folder / name).write_bytes(buffer.getvalue())
        paths.append(folder / name)
    fake = folder / "not-really.png"
    fake.write_bytes(b"<!DOCTYPE html><html><script>alert(1)</script></html>")
    paths.append(fake)
    return paths


def test_upload_gallery_delete_and_export(stack, browser):
    wait = WebDriverWait(browser, 20)
    browser.get(stack.base + "/")
    wait.until(lambda d: d.find_element(By.ID, "health").text == "healthy")
    token = browser.find_element(By.ID, "token")
    browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));", token, TOKEN)
    mall = browser.find_element(By.ID, "mall-id")
    mall.clear()
    mall.send_keys("77")
    browser.execute_script("arguments[0].dispatchEvent(new Event('change'));", mall)

    folder = Path(tempfile.mkdtemp(prefix="depot-web-"))
    files = make_files(folder)
    browser.find_element(By.ID, "files").send_keys("\n".join(str(path) for path in files))

    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".upload.done, .upload.failed")) == 3)
    done = browser.find_elements(By.CSS_SELECTOR, ".upload.done")
    failed = browser.find_elements(By.CSS_SELECTOR, ".upload.failed")
    assert len(done) == 2 and len(failed) == 1
    assert "not an image, video or audio file" in failed[0].text
    assert "not-really.png" in failed[0].text

    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#gallery .card")) == 2)
    wait.until(lambda d: all(d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)
                             for img in d.find_elements(By.CSS_SELECTOR, "#gallery .card img")))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#gallery .card img")) == 2
    assert "2 in all" in browser.find_element(By.ID, "gallery-total").text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "web-desktop.png"))

    # Delete one, confirming in the dialog.
    browser.find_element(By.CSS_SELECTOR, "#gallery .card .danger").click()
    dialog_ok = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#confirm button[value=ok]")))
    dialog_ok.click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#gallery .card")) == 1)
    assert "1 in all" in browser.find_element(By.ID, "gallery-total").text

    # Export: the browser receives an xlsx file.
    browser.find_element(By.ID, "export-mall-only").click()
    browser.find_element(By.CSS_SELECTOR, "#export-form button[type=submit]").click()
    deadline = time.time() + 20
    received = []
    while time.time() < deadline:
        received = [p for p in browser.downloads.iterdir() if p.suffix == ".xlsx"]
        # Chromium may show the name before the last bytes are on disk: wait for a whole archive.
        if received and zipfile.is_zipfile(received[0]):
            break
        time.sleep(0.2)
    assert received, "no export arrived"
    with zipfile.ZipFile(received[0]) as archive:
        assert "xl/worksheets/sheet1.xml" in archive.namelist()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        assert sheet.count("<row ") == 2  # header and the one remaining material

    # A narrow phone screen: no horizontal scrolling.
    browser.set_window_size(360, 800)
    time.sleep(0.3)
    overflow = browser.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 360px"
    browser.save_screenshot(str(ARTIFACTS / "web-360.png"))

    # Keyboard: the drop zone is reachable and labelled controls exist for every input.
    assert browser.find_element(By.ID, "drop").get_attribute("tabindex") == "0"
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == [], severe


def photo(size, seed):
    """A photo-like JPEG: noise compresses about as badly as a phone picture does."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3) if seed else bytes(size[0] * size[1] * 3)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def gallery_images(browser):
    """Each gallery image's current URL and its bytes as fetched (the Resource Timing entries)."""
    return browser.execute_script("""
        const entries = new Map(performance.getEntriesByType('resource').map(e => [e.name, e]));
        return [...document.querySelectorAll('#gallery .card img')].map(img => ({
            src: img.currentSrc, complete: img.complete && img.naturalWidth > 0, width: img.naturalWidth,
            bytes: entries.has(img.currentSrc) ? entries.get(img.currentSrc).encodedBodySize : -1}));""")


@pytest.mark.parametrize("scale", [1, 2])
def test_the_gallery_shows_thumbnails_not_originals(stack, browser, scale):
    from test_uploads_e2e import AUTH, multipart
    mall = 880 + scale
    originals = [photo((1600, 1200), seed=True) for _ in range(3)]
    body, ctype = multipart([("files", f"phone-{i}.jpg", "image/jpeg", data) for i, data in enumerate(originals)])
    r = stack.request("POST", f"/api/malls/{mall}/materials", body=body, headers={**AUTH, "Content-Type": ctype})
    assert r.status == 200 and all(item["success"] for item in r.json["data"]), r.body
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 1000, "deviceScaleFactor": scale, "mobile": False})
    wait = WebDriverWait(browser, 30)
    browser.get(stack.base + "/")
    wait.until(lambda d: d.find_element(By.ID, "health").text == "healthy")
    field = browser.find_element(By.ID, "mall-id")
    field.clear()
    field.send_keys(str(mall))
    browser.execute_script("arguments[0].dispatchEvent(new Event('change'));", field)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#gallery .card img")) == 3)
    wait.until(lambda d: all(image["complete"] and image["bytes"] > 0 for image in gallery_images(d)))
    images = gallery_images(browser)
    size = 256 * scale
    for image in images:
        assert f"/thumbnail?size={size}" in image["src"], image
        # 4:3 landscape photos: the width fills the box (naturalWidth is in CSS pixels, so a 2× source reads 256).
        assert image["width"] == 256
    fetched = sum(image["bytes"] for image in images)
    assert fetched < sum(len(data) for data in originals) * (0.1 if scale == 1 else 0.25), (fetched, [len(d) for d in originals])


def open_page_for_namespace(browser, stack, namespace):
    wait = WebDriverWait(browser, 30)
    browser.get(stack.base + "/")
    wait.until(lambda d: d.find_element(By.ID, "health").text == "healthy")
    token = browser.find_element(By.ID, "token")
    browser.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));", token, TOKEN)
    browser.find_element(By.CSS_SELECTOR, "input[name=target][value=namespace]").click()
    field = browser.find_element(By.ID, "namespace")
    field.clear()
    field.send_keys(namespace)
    return wait


def confirmed(browser):
    return browser.execute_script("const p = document.querySelector('.upload.resumable progress'); return p ? p.value : -1")


def stored_sha256(stack, item):
    file_id = item.get_attribute("data-file-id")
    assert file_id
    response = stack.request("GET", f"/api/files/{file_id}")
    assert response.status == 200
    return hashlib.sha256(response.body).hexdigest()


SLOW_LINK = {"offline": False, "latency": 5, "downloadThroughput": 64 << 20, "uploadThroughput": 8 << 20}


def start_resumable_upload(stack, browser, name):
    """Opens the page on a slow link (DevTools throttling, so the upload is still going when the
    test acts), chooses a 40 MiB file for a namespace and waits for its first confirmed chunk.
    Returns (wait, path, data, folder)."""
    folder = Path(tempfile.mkdtemp(prefix="depot-web-tus-"))
    data = os.urandom(40 << 20)
    path = folder / name
    path.write_bytes(data)
    wait = open_page_for_namespace(browser, stack, "webtus")
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", SLOW_LINK)
    browser.find_element(By.ID, "files").send_keys(str(path))
    wait.until(lambda d: confirmed(d) > 0)
    return wait, path, data, folder


def finished_resumable(browser):
    WebDriverWait(browser, 120).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".upload.resumable.done, .upload.resumable.failed"))
    item = browser.find_element(By.CSS_SELECTOR, ".upload.resumable")
    assert "done" in item.get_attribute("class"), item.text
    return item


def test_a_large_file_goes_resumably_and_survives_a_dropped_connection(stack, browser):
    wait, _, data, folder = start_resumable_upload(stack, browser, "holiday.mov")
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {**SLOW_LINK, "offline": True})
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".upload.resumable.retrying"))
    at_drop = confirmed(browser)
    assert 0 < at_drop < len(data)
    time.sleep(3)
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", SLOW_LINK)
    item = finished_resumable(browser)
    assert int(item.get_attribute("data-retries")) >= 1
    assert "interruption" in item.text
    assert stored_sha256(stack, item) == hashlib.sha256(data).hexdigest()
    shutil.rmtree(folder, ignore_errors=True)


def test_after_a_reload_the_page_offers_to_resume_and_does(stack, browser):
    wait, path, data, folder = start_resumable_upload(stack, browser, "archive.bin")
    pending = browser.execute_script("return JSON.parse(localStorage.getItem('depot.tus.pending'))")
    (upload_url,) = [entry["url"] for entry in pending.values()]
    browser.refresh()
    wait = open_page_for_namespace(browser, stack, "webtus")
    offer = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#resume .resume-offer"))
    assert "archive.bin" in offer.text
    offset_before = int(stack.request("HEAD", upload_url, headers={"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {TOKEN}"}).header("Upload-Offset"))
    assert 0 < offset_before < len(data)
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {**SLOW_LINK, "uploadThroughput": -1})
    browser.find_element(By.ID, "files").send_keys(str(path))
    item = finished_resumable(browser)
    # The same upload went on: its id is the stored file's id.
    assert item.get_attribute("data-file-id") == upload_url.split("/")[-1]
    assert stored_sha256(stack, item) == hashlib.sha256(data).hexdigest()
    assert not browser.find_elements(By.CSS_SELECTOR, "#resume .resume-offer")
    shutil.rmtree(folder, ignore_errors=True)
