"""The phone's camera as the scanner (static/camera.js), in real Chromium with a fake
camera: Chromium plays a video this test makes (--use-file-for-fake-video-capture), frame
by frame as a camera would. The video shows a GTIN (EAN-13), then a GS1-128 with a lot
(10) and an expiry (17) split by an FNC1 separator, then a bin label, each held in view for
a second: the receive screen must get exactly those three scans, in that order, as a
wedge scanner would have sent them (the GS1 one as "]C1..." with GS for the FNC1), and the
decoder must load only once the camera button is pressed, from this machine, under the
Content-Security-Policy, and be kept by the service worker.

The barcodes are drawn with Pillow: EAN-13 from zxing-cpp's writer, Code 128 (and GS1-128)
from reportlab's encoder, as warehouse/paper/labels.py prints them.

Which codes are taken (one per trigger, hold-to-count for items only, a label that opened
a page not taken again there) is played out with a stand-in BarcodeDetector that shows
what a scene says, frame by frame (FAKE_DETECTOR): scenes move on by what the camera took
and by counting frames, never by a time a slow machine could miss."""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from reportlab.graphics.barcode.code128 import Code128
from sqlalchemy import select
from werkzeug.wrappers import Request

from tests.browser.conftest import ARGS, CHROMIUM, ONE_ENGINE, PHONE, SCANS_SETTLED, scan, sign_in
from tests.conftest import PASSWORD
from tests.factories import make_location, make_product
from warehouse import accounts
from warehouse.accounts.models import User
from warehouse.core.extensions import db
from warehouse.inbound.models import Receipt

pytestmark = [pytest.mark.browser, ONE_ENGINE]

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
    slowdown = float(os.environ.get("BROWSER_CPU_SLOWDOWN", "1"))
    if slowdown > 1:  # as conftest's `phone`: a handheld's CPU; the scenes must hold up on it
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
    yield page
    context.close()
    assert page.policy_violations == [], f"blocked by the Content-Security-Policy: {page.policy_violations}"


RECEIPT_SCREEN = re.compile(r"/floor/receive/\d+")


@pytest.fixture
def server_log(app, monkeypatch):
    """What the server got: every path asked for, each scan posted to a floor screen (with
    its path), and each scan posted to a receipt's screen, in the order they came."""
    log = {"paths": [], "posts": [], "scans": []}
    serve = app.wsgi_app

    def recording(environ, start_response):
        path = environ["PATH_INFO"]
        log["paths"].append(path)
        if environ["REQUEST_METHOD"] == "POST" and path.startswith("/floor/"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            scanned = Request({**environ, "wsgi.input": io.BytesIO(body)}).form.get("scan")
            environ["wsgi.input"] = io.BytesIO(body)
            if scanned is not None:
                log["posts"].append((path, scanned))
                if RECEIPT_SCREEN.fullmatch(path):
                    log["scans"].append(scanned)
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
# Chromium lacks: a stand-in that "sees" what the test's scene says, frame by frame. The
# first code a scene gives is the one aimed at (in the middle of the picture), the others
# lie aside. A scene moves on by what the camera did (the codes it took, from camera.js's
# floor:camera-read events) and by counting frames, and waits for time only where the
# rule under test is about time (the hold, a label out of view): a slow machine makes it
# slower, never different.
FAKE_DETECTOR = """
const detector = window.detector = {formats: null, frames: 0, taken: [], phase: null};
document.addEventListener('floor:camera-read', (e) => { detector.taken.push(e.detail.code); });
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(['ean_13', 'code_128', 'qr_code', 'data_matrix', 'aztec']); }
  constructor(options) { detector.formats = options.formats; }
  detect(source) {
    detector.frames += 1;
    const codes = window.scene(detector, performance.now()) || [];
    const middle = [source.videoWidth / 2 - 100, source.videoHeight / 2 - 40];
    return Promise.resolve(codes.map((code, i) => ({
      rawValue: code, format: 'code_128',
      boundingBox: i === 0 ? new DOMRectReadOnly(middle[0], middle[1], 200, 80) : new DOMRectReadOnly(10, 10 + 50 * i, 120, 40),
    })));
  }
};
"""
EAN_GLUE = "9506000100050"  # GLUE-50's own barcode (lot-tracked: the lot is asked for)
DATAMATRIX_GLUE = "]d2" + "0109506000100050" + "10LOT-A1" + GS + "17271231"  # on the same pack
CODES = {
    "gtin": GTIN,
    "aside": "warehouse-main:A-01-02",
    "bin": BIN_LABEL,
    "slip": "TR-4242",
    "po": "PO-CAM-9",
    "ean": EAN_GLUE,
    "datamatrix": DATAMATRIX_GLUE,
}


def fake_detector(page, scene: str) -> None:
    """Every page of `page` gets the stand-in detector, playing `scene`: a JS function of
    (detector, now) returning the codes of one frame; CODES are in `codes`."""
    page.context.add_init_script(
        f"window.codes = {json.dumps(CODES)};\nwindow.scene = {scene};\n{FAKE_DETECTOR}"
    )


def on_a_receipt(phone, scene: str, po: str) -> None:
    """Olga, with the stand-in detector playing `scene`, on the receive screen of `po`."""
    fake_detector(phone, scene)
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.goto(phone.base + "/floor/receive")
    scan(phone, po)


def camera_done(page, timeout=30_000) -> None:
    """Until the scene is played and every scan it made is answered."""
    page.wait_for_function(
        f"() => window.detector && window.detector.phase === 'done' && ({SCANS_SETTLED})"
        " && document.body.dataset.scansQueued === '0'",
        timeout=timeout,
    )


# The GTIN aimed at, a bin label aside: in view until the hold has counted it again, and
# for 1.2 s after it was first taken at least (a label taken again sooner, on every frame
# or so, would make more scans); out of view for 1.5 s, more than the second in which it
# would be the same label still; back in view until taken once more.
HOLD_AND_COME_BACK = """(d, now) => {
  if (d.phase === null) { d.phase = 'held'; }
  if (d.phase === 'held') {
    d.firstTaken = d.firstTaken || (d.taken.length ? now : 0);
    if (d.taken.length < 2 || now - d.firstTaken < 1200) { return [codes.gtin, codes.aside]; }
    d.phase = 'away'; d.left = now; d.takenBefore = d.taken.length;
  }
  if (d.phase === 'away') {
    if (now - d.left < 1500) { return []; }
    d.phase = 'back';
  }
  if (d.phase === 'back' && d.taken.length === d.takenBefore) { return [codes.gtin, codes.aside]; }
  d.phase = 'done';
  return [];
}"""


def test_the_browsers_own_detector_and_holding_a_label_to_count(phone_with_camera, dock, server_log):
    """Where the browser has a BarcodeDetector it reads the frames (zxing-wasm still loads,
    for GS1 DataBar, which it lacks). Of two codes in view, the one aimed at (nearest the
    middle) is taken, as a scanner would. A label read every frame is taken once; held in
    view it counts again (after 1.5 s); out of view for over a second and back, it counts
    again: three scans. A hidden page lets the camera go."""
    phone = phone_with_camera
    on_a_receipt(phone, HOLD_AND_COME_BACK, "PO-CAM-2")
    phone.locator("[data-camera-toggle]").click()
    camera_done(phone)
    assert phone.evaluate("window.detector.formats") == ["ean_13", "code_128", "qr_code", "data_matrix"]
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


# On the floor's home the PO label is in view all along: its scan opens the receipt, a new
# page. There, with the camera on again, the label is still in view for 30 frames; then it
# is moved away and an item is shown until it is taken.
STILL_IN_VIEW_ON_THE_NEXT_PAGE = """(d, now) => {
  if (location.pathname === '/floor/') { return [codes.po]; }
  if (d.frames <= 30) { return [codes.po]; }
  if (!d.taken.length) { return [codes.gtin]; }
  d.phase = 'done';
  return [];
}"""


def test_a_label_that_opened_a_page_is_not_taken_again_there(phone_with_camera, dock, server_log):
    """A scan that opens another page (here a PO label on the home screen, opening its
    receipt) reloads the page and the camera's script: the codes it took are kept in
    sessionStorage, so the label still in front of the camera is not sent to the new
    screen. The next label is."""
    phone = phone_with_camera
    fake_detector(phone, STILL_IN_VIEW_ON_THE_NEXT_PAGE)
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.locator("[data-camera-toggle]").click()
    phone.wait_for_url(RECEIPT_SCREEN)
    camera_done(phone)
    assert phone.locator("[data-camera-toggle]").get_attribute("aria-pressed") == "true"  # on again
    receipt_screen = urlsplit(phone.url).path
    assert server_log["posts"] == [("/floor/", "PO-CAM-9"), (receipt_screen, GTIN)]
    assert phone.evaluate("window.detector.frames") > 30
    db.session.rollback()
    receipt = db.session.scalar(select(Receipt).where(Receipt.reference == "PO-CAM-9"))
    assert [(line.product.sku, line.qty) for line in receipt.lines] == [("BOLT-M8", 1)]
    phone.locator("[data-camera-toggle]").click()


# A pack of GLUE-50 with its EAN-13 and its GS1 DataMatrix, read in turns as a camera does
# (the EAN alone, both, the DataMatrix alone right after an EAN frame: the pack never
# leaves the view), for 24 frames. Then the operator moves on to the GS1 label alone, the
# EAN out of view, and holds it there until it is taken.
ONE_PACK_TWO_CODES = """(d, now) => {
  if (d.phase === null) { d.phase = 'pack'; }
  if (d.phase === 'pack' && d.frames <= 24) {
    const turn = d.frames % 3;
    if (turn === 1) { d.eanAt = now; return [codes.ean]; }
    if (turn === 2 || now - d.eanAt > 200) { return [codes.datamatrix, codes.ean]; }
    return [codes.datamatrix];
  }
  if (d.phase === 'pack') { d.phase = 'label'; d.takenWithThePack = d.taken.slice(); }
  if (d.phase === 'label' && !d.taken.includes(codes.datamatrix)) { return [codes.datamatrix]; }
  d.phase = 'done';
  return [];
}"""


def test_one_pull_of_the_trigger_one_code_and_the_lot_label_after_the_item(
    phone_with_camera, dock, server_log
):
    """Once a code is taken, another waits until the taken one has been out of view for a
    moment, as a wedge scanner reads one code per trigger: a pack's EAN and its GS1
    DataMatrix seen in turn count the pack once. The lot-tracked item's flow still works:
    its EAN asks for the lot, and the GS1 label moved to next gives it."""
    phone = phone_with_camera
    on_a_receipt(phone, ONE_PACK_TWO_CODES, "PO-CAM-4")
    phone.evaluate(WATCH_OUTCOMES)
    phone.locator("[data-camera-toggle]").click()
    camera_done(phone)
    phone.locator("[data-camera-toggle]").click()

    # While the pack was in view: the EAN (again only if the hold counted it, on a machine
    # slow enough to take over 1.5 s for the 24 frames), never the DataMatrix. Then the
    # GS1 label, once.
    with_the_pack = phone.evaluate("window.detector.takenWithThePack")
    assert with_the_pack[0] == EAN_GLUE and set(with_the_pack) == {EAN_GLUE}, with_the_pack
    assert server_log["scans"] == with_the_pack + [DATAMATRIX_GLUE]
    outcomes = phone.evaluate("window.outcomes")
    assert "GLUE-50 is lot-tracked. Scan or type the lot." in outcomes[0]
    assert "+1 GLUE-50 lot LOT-A1: now 1." in outcomes[-1]
    db.session.rollback()
    receipt = db.session.scalar(select(Receipt).where(Receipt.reference == "PO-CAM-4"))
    assert [(line.product.sku, line.qty, line.lot.code, line.lot.expiry_date) for line in receipt.lines] == [
        ("GLUE-50", 1, "LOT-A1", date(2027, 12, 31))
    ]


# A bin label, a transfer slip and a PO label, each held in view for 2.5 s after it was
# taken (an item held that long would count again after 1.5 s); then an item, held until
# the hold has counted it a second time.
HELD_LABELS = """(d, now) => {
  const labels = [codes.bin, codes.slip, codes.po];
  d.step = d.step || 0;
  while (d.step < labels.length) {
    if (d.taken.length <= d.step) { return [labels[d.step]]; }
    d.since = d.since || now;
    if (now - d.since < 2500) { return [labels[d.step]]; }
    d.step += 1; d.since = 0;
  }
  if (d.taken.filter((code) => code === codes.gtin).length < 2) { return [codes.gtin]; }
  d.phase = 'done';
  return [];
}"""


def test_only_an_item_held_in_view_counts_again(phone_with_camera, dock, server_log):
    """Hold-to-count is for item codes (EAN/UPC, GS1 with a GTIN): a bin, a slip or a PO
    label held in front of the camera is sent once."""
    phone = phone_with_camera
    on_a_receipt(phone, HELD_LABELS, "PO-CAM-5")
    phone.locator("[data-camera-toggle]").click()
    camera_done(phone, timeout=60_000)
    phone.locator("[data-camera-toggle]").click()
    assert server_log["scans"] == [BIN_LABEL, "TR-4242", "PO-CAM-9", GTIN, GTIN]
    db.session.rollback()
    receipt = db.session.scalar(select(Receipt).where(Receipt.reference == "PO-CAM-5"))
    assert [(line.product.sku, line.qty) for line in receipt.lines] == [("BOLT-M8", 2)]


# Each worker the page starts, the frame ids it is sent, and whether it was ended.
WATCH_WORKERS = """
window.workers = [];
window.Worker = class extends window.Worker {
  constructor(url, options) {
    super(url, options);
    this.seen = {frames: [], ended: false};
    window.workers.push(this.seen);
  }
  postMessage(message, transfer) {
    if (message && message.type === 'frame') { this.seen.frames.push(message.id); }
    return super.postMessage(message, transfer);
  }
  terminate() { this.seen.ended = true; return super.terminate(); }
};
"""


def test_the_decoder_ends_with_the_camera_and_frame_ids_never_repeat(phone_with_camera, dock):
    """Closing the camera ends its zxing worker (nothing left running, no answer left to
    come); opened again, a new worker is sent frames numbered on from the last: an answer
    still on its way from before can never settle a newer frame."""
    phone = phone_with_camera
    phone.context.add_init_script(WATCH_WORKERS)
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.goto(phone.base + "/floor/receive")
    scan(phone, "PO-CAM-6")
    camera = phone.locator("[data-camera-toggle]")
    for opening in (1, 2):
        camera.click()
        phone.wait_for_function(
            f"() => window.workers.length === {opening} && window.workers.at(-1).frames.length >= 5"
        )
        camera.click()
        assert phone.evaluate("window.workers.at(-1).ended")
    first, second = phone.evaluate("window.workers.map((w) => w.frames)")
    ids = first + second
    assert ids == sorted(set(ids)) and second[0] > first[-1]
    phone.wait_for_function(f"() => ({SCANS_SETTLED}) && document.body.dataset.scansQueued === '0'")


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
    # No black box where the picture would be: the video is hidden, and hidden means gone.
    assert phone.locator("[data-camera-video]").is_hidden()
    assert phone.evaluate("getComputedStyle(document.querySelector('[data-camera-video]')).display") == "none"


# A camera with a torch (Chromium's fake one has none), which turns on when asked.
TORCH = """
const capabilities = MediaStreamTrack.prototype.getCapabilities;
MediaStreamTrack.prototype.getCapabilities = function () { return Object.assign({}, capabilities.call(this), {torch: true}); };
MediaStreamTrack.prototype.applyConstraints = function () { return Promise.resolve(); };
"""
NOTHING_IN_VIEW = "(d, now) => []"
FOCUSED = "() => document.activeElement.matches(%r)"


def test_the_camera_and_torch_buttons_are_worked_by_keyboard(phone_with_camera, dock, server_log):
    """Shift+Tab reaches the camera button from the scan box (left of it: Tab from the
    box goes on to the screen's next action, as the wedge flow has it), and Space presses
    it (it is not typed into the scan box), keeping the focus there. Past the scan box, Tab
    reaches the torch, and Enter turns it on. A wedge scan typed meanwhile still goes into
    the scan box and is sent."""
    phone = phone_with_camera
    fake_detector(phone, NOTHING_IN_VIEW)
    phone.context.add_init_script(TORCH)
    sign_in(phone, "olga", PASSWORD, lands_on="**/floor/")
    phone.goto(phone.base + "/floor/receive")
    scan(phone, "PO-CAM-7")

    phone.keyboard.press("Shift+Tab")
    assert phone.evaluate(FOCUSED % "[data-camera-toggle]")
    phone.keyboard.press("Space")
    phone.wait_for_function("() => document.querySelector('[data-camera-torch]').hidden === false")
    assert phone.locator("[data-camera-toggle]").get_attribute("aria-pressed") == "true"
    assert phone.evaluate(FOCUSED % "[data-camera-toggle]")
    assert phone.input_value("[data-scan]") == ""

    phone.keyboard.press("Tab")
    assert phone.evaluate(FOCUSED % "[data-scan]")
    phone.keyboard.press("Tab")
    assert phone.evaluate(FOCUSED % "[data-camera-torch]")
    phone.keyboard.press("Enter")
    phone.wait_for_function(
        "() => document.querySelector('[data-camera-torch]').getAttribute('aria-pressed') === 'true'"
    )

    scan(phone, GTIN)  # the scanner fires while the torch button has the focus
    assert server_log["scans"] == [GTIN]
    phone.locator("[data-camera-toggle]").click()
    assert phone.locator("[data-camera-toggle]").get_attribute("aria-pressed") == "false"
