"""The phone's camera as the scanner (static/camera.js), in real Chromium with a fake
camera: Chromium plays a video this test makes (--use-file-for-fake-video-capture), frame
by frame as a camera would. The video shows a GTIN (EAN-13), then a GS1-128 with a lot
(10) and an expiry (17) split by an FNC1 separator, then a bin label, each held in view for
a second: the receive screen must get exactly those three scans, in that order, as a
wedge scanner would have sent them (the GS1 one as "]C1..." with GS for the FNC1), and the
decoder must load only once the camera button is pressed, from this machine, under the
Content-Security-Policy, and be kept by the service worker.

The barcodes are drawn with Pillow: EAN-13 from zxing-cpp's writer, Code 128 (and GS1-128)
from reportlab's encoder, as warehouse/paper/labels.py prints them."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from reportlab.graphics.barcode.code128 import Code128
from sqlalchemy import select
from werkzeug.wrappers import Request

from tests.browser.conftest import ARGS, CHROMIUM, PHONE, SCANS_SETTLED, scan, sign_in
from tests.conftest import PASSWORD
from tests.factories import make_location, make_product
from warehouse import accounts
from warehouse.accounts.models import User
from warehouse.core.extensions import db
from warehouse.inbound.models import Receipt

pytestmark = pytest.mark.browser

FPS = 30  # Chromium plays an .mjpeg fake camera at 30 frames a second
GS = "\x1d"
FNC1 = "\xf1"  # reportlab's Code128 FNC1
GTIN = "9506000134352"  # BOLT-M8's barcode
GS1_128 = FNC1 + "0109506000100050" + "10LOT-A1" + FNC1 + "17271231"  # GLUE-50, lot LOT-A1, expiry 2027-12-31
BIN_LABEL = "warehouse-main:A-01-01"
# What a wedge scanner set to send symbology identifiers types for each.
SENT = [GTIN, "]C1" + "0109506000100050" + "10LOT-A1" + GS + "17271231", BIN_LABEL]


# --- the video ------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    """`seconds` of one picture: a barcode, or nothing (`image` None: an empty bench)."""

    image: Image.Image | None
    seconds: float


def ean13(digits: str, module: int = 4) -> Image.Image:
    symbol = zxingcpp.create_barcode(digits, zxingcpp.EAN13).to_image(scale=module, add_quiet_zones=True)
    rows, columns = memoryview(symbol).shape
    return Image.frombytes("L", (columns, rows), memoryview(symbol).tobytes())


def code128(data: str, module: int = 2, height: int = 140) -> Image.Image:
    """Bars as reportlab encodes them (its `decomposed` string: upper case a bar, lower
    case a space, the letter its width in modules), with ten modules of quiet zone."""
    symbol = Code128(data, quiet=False)
    symbol.validate()
    symbol.encode()
    symbol.decompose()
    widths = [(c.isupper(), ord(c.lower()) - ord("a") + 1) for c in symbol.decomposed]
    image = Image.new("L", ((sum(w for _, w in widths) + 20) * module, height), 255)
    draw, x = ImageDraw.Draw(image), 10 * module
    for bar, width in widths:
        if bar:
            draw.rectangle([x, 0, x + width * module - 1, height - 1], fill=0)
        x += width * module
    return image


def frame(barcode: Image.Image | None, size: tuple[int, int]) -> bytes:
    """One camera frame as JPEG: a grey bench, the barcode (white, with its quiet zone) in
    the middle, at its own size: whole pixels per module, as a camera close enough gets."""
    picture = Image.new("RGB", size, (118, 121, 117))
    if barcode is not None:
        assert barcode.width <= size[0], "draw it with narrower modules"
        picture.paste(
            barcode.convert("RGB"), ((size[0] - barcode.width) // 2, (size[1] - barcode.height) // 2)
        )
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=88)
    return out.getvalue()


def write_video(path: Path, shots: list[Shot], size: tuple[int, int]) -> Path:
    """An .mjpeg file (JPEG frames back to back), which Chromium's fake camera plays at
    FPS and then plays again from the start."""
    with path.open("wb") as out:
        for shot in shots:
            jpeg = frame(shot.image, size)
            out.write(jpeg * max(1, round(shot.seconds * FPS)))
    return path


def receiving_video(path: Path) -> Path:
    """GTIN, GS1-128, bin label: a second each with a bare bench between, then a long bare
    tail, so that the loop back to the start comes long after the test has closed the
    camera. A second in view is shorter than hold-to-count (1.5 s): each is taken once."""
    gap = Shot(None, 0.7)
    return write_video(
        path,
        [Shot(None, 0.5), Shot(ean13(GTIN), 1.0), gap, Shot(code128(GS1_128), 1.0), gap]
        + [Shot(code128(BIN_LABEL), 1.0), Shot(None, 15.0)],
        (640, 480),
    )


# --- the browser with the fake camera -------------------------------------------------


@pytest.fixture(scope="module")
def camera_browser(browser, tmp_path_factory):
    """A second Chromium, launched by the suite's Playwright (one per process), with a
    fake camera playing the receiving video."""
    video = receiving_video(tmp_path_factory.mktemp("camera") / "receiving.mjpeg")
    fake_camera = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",  # the camera permission is granted without a prompt
        f"--use-file-for-fake-video-capture={video}",
    ]
    camera = browser.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True, args=ARGS + fake_camera
    )
    yield camera
    camera.close()


@pytest.fixture
def phone_with_camera(camera_browser, live_server):
    """As conftest's `phone`: 360 px wide, every request leaving this machine recorded,
    and any Content-Security-Policy violation fails the test."""
    context = camera_browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    page.base = live_server
    page.outside_requests = []
    context.on(
        "request",
        lambda r: None if r.url.startswith(live_server) else page.outside_requests.append(r.url),
    )
    page.policy_violations = []
    page.on(
        "console",
        lambda m: page.policy_violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield page
    context.close()
    assert page.policy_violations == [], f"blocked by the Content-Security-Policy: {page.policy_violations}"


RECEIPT_SCREEN = re.compile(r"/floor/receive/\d+")


@pytest.fixture
def server_log(app, monkeypatch):
    """What the server got: every path asked for, and each scan posted to a receipt's
    screen, in the order they came."""
    log = {"paths": [], "scans": []}
    serve = app.wsgi_app

    def recording(environ, start_response):
        log["paths"].append(environ["PATH_INFO"])
        if environ["REQUEST_METHOD"] == "POST" and RECEIPT_SCREEN.fullmatch(environ["PATH_INFO"]):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            log["scans"].append(Request({**environ, "wsgi.input": io.BytesIO(body)}).form.get("scan"))
            environ["wsgi.input"] = io.BytesIO(body)
        return serve(environ, start_response)

    monkeypatch.setattr(app, "wsgi_app", recording)
    return log


@pytest.fixture
def dock(app):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02"))
    make_product("BOLT-M8", gtin=GTIN)
    make_product("GLUE-50", gtin="9506000100050", lot_tracked=True, expiry_tracked=True)
    accounts.set_location(accounts.create_user("olga", PASSWORD, "operator"), main.id)
    return main


# Every new text the outcome region shows from now on, in order.
WATCH_OUTCOMES = """() => {
  const shown = () => { const o = document.querySelector('[data-outcome]'); return o ? o.textContent.trim() : ''; };
  let last = shown();
  window.outcomes = [];
  new MutationObserver(() => {
    const text = shown();
    if (text && text !== last) { last = text; window.outcomes.push(text); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""

KEPT_BY_THE_WORKER = """async (url) => {
  for (const name of await caches.keys()) {
    if (await (await caches.open(name)).match(url)) { return name; }
  }
  return null;
}"""


def test_the_camera_feeds_the_receive_screen_three_scans_in_order(phone_with_camera, dock, server_log):
    phone = phone_with_camera
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.goto(phone.base + "/floor/receive")
    scan(phone, "PO-CAM-1")  # the scanner's way: the receipt is open
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    camera = phone.locator("[data-camera-toggle]")
    assert camera.is_visible() and camera.get_attribute("aria-pressed") == "false"
    assert not [p for p in server_log["paths"] if "zxing" in p or "camera" in p]  # nothing loaded yet
    phone.evaluate(WATCH_OUTCOMES)

    pressed_at = len(server_log["paths"])
    camera.click()
    phone.wait_for_function(
        f"() => document.querySelectorAll('[data-scan-form]').length === 1 && ({SCANS_SETTLED})"
        " && document.body.dataset.scansQueued === '0' && window.outcomes.length >= 3",
        timeout=30_000,
    )
    camera.click()  # off, long before the video comes round again
    assert camera.get_attribute("aria-pressed") == "false"
    assert phone.locator("[data-camera-view]").is_hidden()

    assert server_log["scans"] == SENT  # the server got exactly these, in this order
    outcomes = phone.evaluate("window.outcomes")
    assert len(outcomes) == 3
    assert "+1 BOLT-M8: now 1." in outcomes[0]
    assert "+1 GLUE-50 lot LOT-A1: now 1." in outcomes[1]
    assert "That is not an item. Scan the item's barcode." in outcomes[2]  # a bin, on the receive screen
    assert phone.locator('[data-outcome][data-result="error"]').count() == 1
    lines = phone.locator("ul.lines li").all_inner_texts()
    assert any(line.startswith("1 x BOLT-M8") for line in lines)
    assert any(line.startswith("1 x GLUE-50") and "LOT-A1" in line for line in lines)

    db.session.rollback()
    receipt = db.session.scalar(select(Receipt).where(Receipt.reference == "PO-CAM-1"))
    assert sorted(
        (line.product.sku, line.qty, line.lot.code or None, line.lot.expiry_date) for line in receipt.lines
    ) == [
        ("BOLT-M8", 1, None, None),
        ("GLUE-50", 1, "LOT-A1", date(2027, 12, 31)),
    ]

    # The decoder came from this app, only once the button was pressed, and is kept.
    loaded = server_log["paths"][pressed_at:]
    assert "/static/camera.js" in loaded and "/floor/camera-worker.js" in loaded
    assert "/vendor/zxing-wasm/iife/reader/index.js" in loaded
    assert "/vendor/zxing-wasm/reader/zxing_reader.wasm" in loaded
    assert phone.outside_requests == []
    for url in ("/vendor/zxing-wasm/iife/reader/index.js", "/vendor/zxing-wasm/reader/zxing_reader.wasm"):
        assert (phone.evaluate(KEPT_BY_THE_WORKER, url) or "").startswith("floor-shell-"), url


def test_the_decoder_alone_may_compile_webassembly(client):
    """The pages keep script-src 'self'; the decoder's worker script carries the one policy
    with 'wasm-unsafe-eval' (warehouse/web/headers.py)."""
    page_policy = client.get("/login").headers["Content-Security-Policy"]
    worker = client.get("/floor/camera-worker.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert "'wasm-unsafe-eval'" not in page_policy
    assert "script-src 'self' 'wasm-unsafe-eval'" in worker.headers["Content-Security-Policy"]
    wasm = client.get("/vendor/zxing-wasm/reader/zxing_reader.wasm")
    assert wasm.status_code == 200 and wasm.mimetype == "application/wasm"
    assert client.get("/vendor/zxing-wasm/writer/zxing_writer.wasm").status_code == 404  # the reader only


# The browser's own BarcodeDetector (Chrome on Android, Safari), which desktop Linux
# Chromium lacks: a stand-in that "sees" the GTIN on a timetable, 0 ms being its first frame.
NATIVE_DETECTOR = (
    """
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(['ean_13', 'code_128', 'qr_code', 'aztec']); }
  constructor(options) { window.detector = {formats: options.formats, calls: 0, first: null}; }
  detect(source) {
    const d = window.detector, now = performance.now();
    d.calls += 1; d.first = d.first === null ? now : d.first;
    const t = now - d.first, inView = t < 2200 || (t >= 3600 && t < 3900);
    const aimed = {rawValue: '%s', format: 'ean_13', boundingBox: new DOMRectReadOnly(220, 200, 200, 80)};
    const aside = {rawValue: 'warehouse-main:A-01-02', format: 'code_128', boundingBox: new DOMRectReadOnly(0, 0, 120, 40)};
    return Promise.resolve(inView ? [aside, aimed] : []);
  }
};
"""
    % GTIN
)


def test_the_browsers_own_detector_and_holding_a_label_to_count(phone_with_camera, dock, server_log):
    """Where the browser has a BarcodeDetector it reads the frames (zxing-wasm still loads,
    for GS1 DataBar, which it lacks). Of two codes in view, the one aimed at (nearest the
    middle) is taken, as a scanner would. A label read every frame is taken once; held in view
    it counts again after 1.5 s; out of view for over a second and back, it counts again:
    2.2 s in view, 1.4 s away, 0.3 s back make three. A hidden page lets the camera go."""
    phone = phone_with_camera
    phone.context.add_init_script(NATIVE_DETECTOR)
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.goto(phone.base + "/floor/receive")
    scan(phone, "PO-CAM-2")
    phone.locator("[data-camera-toggle]").click()
    phone.wait_for_function("() => window.detector && window.detector.first !== null")
    phone.wait_for_function(
        f"() => performance.now() - window.detector.first > 5000 && ({SCANS_SETTLED})"
        " && document.body.dataset.scansQueued === '0'",
        timeout=30_000,
    )
    assert phone.evaluate("window.detector.formats") == ["ean_13", "code_128", "qr_code"]
    assert server_log["scans"] == [GTIN, GTIN, GTIN]
    assert "/vendor/zxing-wasm/reader/zxing_reader.wasm" in server_log["paths"]
    db.session.rollback()
    receipt = db.session.scalar(select(Receipt).where(Receipt.reference == "PO-CAM-2"))
    assert [(line.product.sku, line.qty) for line in receipt.lines] == [("BOLT-M8", 3)]

    video = "document.querySelector('[data-camera-video]').srcObject"
    assert phone.evaluate(f"{video} !== null")
    phone.evaluate(HIDE_THE_PAGE % "true")
    assert phone.evaluate(f"{video} === null")  # the camera is let go
    phone.evaluate(HIDE_THE_PAGE % "false")
    phone.wait_for_function(f"() => {video} !== null")  # and taken again when the page is back
    phone.locator("[data-camera-toggle]").click()
    assert phone.evaluate(f"{video} === null")


# The page hidden (another app in front, the screen locked), and shown again.
HIDE_THE_PAGE = """() => {
  Object.defineProperty(document, 'hidden', {configurable: true, get: () => %s});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


# --- the scripts' words, in the page's language -----------------------------------------

REFUSE_THE_CAMERA = """
navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
"""


def test_the_scripts_speak_polish_counted_the_polish_way(phone_with_camera, dock):
    """scan.js and camera.js write their texts from templates/partials/_js_words.html: the
    bar counts scans with Polish plural forms (1 skan, 2-4 skany, 5 skanów), and a refused
    camera is said in Polish."""
    phone = phone_with_camera
    olga = db.session.scalar(select(User).where(User.username == "olga"))
    accounts.set_language(olga, "pl")
    phone.context.add_init_script(REFUSE_THE_CAMERA)
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.goto(phone.base + "/floor/receive")
    scan(phone, "PO-PL-1")
    phone.wait_for_function("() => document.body.dataset.offlineReady === '1'")

    phone.context.set_offline(True)
    for code, waiting in ((GTIN, "1 skan czeka · brak sieci"), (GTIN, "2 skany czekają · brak sieci")):
        phone.keyboard.type(code, delay=5)
        phone.keyboard.press("Enter")
        phone.wait_for_function(f"() => document.body.dataset.scansQueued === '{waiting[0]}'")
        assert phone.inner_text("[data-scan-queue]") == waiting
    for _ in range(3):
        phone.keyboard.type(GTIN, delay=5)
        phone.keyboard.press("Enter")
    phone.wait_for_function("() => document.body.dataset.scansQueued === '5'")
    assert phone.inner_text("[data-scan-queue]") == "5 skanów czeka · brak sieci"

    phone.context.set_offline(False)
    phone.wait_for_function(f"() => ({SCANS_SETTLED}) && document.body.dataset.scansQueued === '0'")

    phone.locator("[data-camera-toggle]").click()
    phone.wait_for_function(
        "() => document.querySelector('[data-camera-status]').textContent.startsWith('Aparat jest zablokowany.')"
    )
    assert phone.locator("[data-camera-view]").is_visible()  # the words stay until the next press
    assert phone.locator("[data-camera-toggle]").get_attribute("aria-pressed") == "false"
