#!/usr/bin/env python
"""Camera scanning benchmark (issue 18): how long from a camera frame being grabbed for
decoding until its scan is sent to the server, at 720p in headless Chromium on this
machine. Not a pytest test. Target: under 300 ms median.

    python bench/camera.py                 # 3 runs of 24 codes, ~2 min
    python bench/camera.py --runs 1 --codes 12

What it does (see docs/performance.md, "Camera scanning"):
 1. a new SQLite file in a temp dir; schema from the Alembic migrations; `load_demo()`;
 2. a 1280x720 MJPEG video for Chromium's fake camera (--use-file-for-fake-video-capture,
    played at 30 fps): per code, a bare grey bench for 0.6 s, then the label for 1.0 s,
    cycling through EAN-13, GS1-128 ((01) GTIN-14, (17) expiry, (10) lot), GS1 DataBar and
    QR, each a different demo product's GTIN (drawn as tests/browser/test_camera.py does);
    then a long bare tail, so the video does not come round again before the run ends;
 3. per run, a new Chromium context at 360x640 (Debian's /usr/bin/chromium, never a
    download): signs in as the demo operator, opens a receipt by typing a PO, waits until
    the service worker keeps the screen, presses the camera button and waits until every
    code has been answered, then turns the camera off;
 4. in the page: static/camera.js fires `floor:camera-read` for each code it takes, with
    `grabbed` (performance.now() when the frame was taken from the video, before any
    decoding) and `decoded` (when the reader answered); an init script wraps fetch() to
    note when each scan's POST is sent. Latency = POST sent - frame grabbed, split into
    decoding (grabbed -> decoded) and the scan stream (decoded -> sent: queued in
    IndexedDB, then sent);
 5. checks the server got exactly the codes shown, in order, once each; prints median and
    p95 and writes bench/results/camera-<ts>.json.
The first run also includes loading the decoder (zxing-wasm, ~1 MB) before the camera
starts; that is reported separately (`opened_ms`: button press to first frame read).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # config.py and the migrations are found relative to the project

import zxingcpp  # noqa: E402
from PIL import Image  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.wrappers import Request  # noqa: E402

from bench.common import ARGS, CHROMIUM, demo_gtin, log, serve  # noqa: E402
from tests.browser.test_camera import FNC1, Shot, code128, ean13, write_video  # noqa: E402
from warehouse import accounts, create_app  # noqa: E402
from warehouse.accounts.models import User  # noqa: E402
from warehouse.catalog.models import Location, Product  # noqa: E402
from warehouse.core.extensions import db  # noqa: E402
from warehouse.demo import load_demo  # noqa: E402

TARGET_MS = 300
CAMERA_ARGS = ARGS + ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
SIZE = (1280, 720)
KINDS = ("EAN-13", "GS1-128", "DataBar", "QR")
# Before any page script: note when each scan's POST leaves, and each code camera.js takes.
INSTRUMENT = """
window.__camera = {sent: [], reads: [], pressed: null};
const send = window.fetch;
window.fetch = function (url, init) {
  if (init && init.method === 'POST' && init.body instanceof FormData && init.body.has('scan_id')) {
    window.__camera.sent.push({scan: init.body.get('scan'), at: performance.now()});
  }
  return send.apply(this, arguments);
};
document.addEventListener('floor:camera-read', (e) => { window.__camera.reads.push(e.detail); });
"""


def symbol(kind: str, gtin13: str) -> tuple[Image.Image, str]:
    """A label of `kind` for the GTIN, at about arm's length on a 720p frame, and the scan
    the camera should send for it."""
    gtin14 = "0" + gtin13
    if kind == "EAN-13":
        return ean13(gtin13, module=5), gtin13
    if kind == "GS1-128":
        data = "01" + gtin14 + "17271231" + "10" + "B-" + gtin13[-4:]
        return code128(FNC1 + data, module=3, height=200), "]C1" + data
    made = zxingcpp.create_barcode(("(01)" + gtin14) if kind == "DataBar" else gtin13, _FORMATS[kind])
    scale = 5 if kind == "DataBar" else 10
    image = made.to_image(scale=scale, add_quiet_zones=True)
    rows, columns = memoryview(image).shape
    picture = Image.frombytes("L", (columns, rows), memoryview(image).tobytes())
    return picture, ("]e0" + "01" + gtin14 if kind == "DataBar" else gtin13)


_FORMATS = {"DataBar": zxingcpp.DataBarOmni, "QR": zxingcpp.QRCode}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--codes", type=int, default=24, help="codes shown per run (different products)")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit("needs Debian's chromium: apt-get install -y chromium (never a browser download)")
    from playwright.sync_api import sync_playwright

    tmpdir = tempfile.mkdtemp(prefix="camera-bench-")
    url = f"sqlite:///{tmpdir}/camera.db"
    started = time.strftime("%Y%m%d-%H%M%S")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    res: dict = dict(
        started=started,
        commit=subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        params=vars(args),
        target_ms=TARGET_MS,
        machine=dict(
            cpus=os.cpu_count(),
            cpu=_cpu_model(),
            python=platform.python_version(),
            platform=platform.platform(),
            chromium=subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip(),
            loadavg_start=os.getloadavg(),
        ),
    )

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from warehouse.accounts import organisations
        from warehouse.core import tenancy

        tenancy.enter(organisations.ensure("demo", "Demo warehouse").id)  # to the end of the script
        load_demo()
        main_id = db.session.scalar(select(Location.id).where(Location.code == "warehouse-main"))
        accounts.set_location(db.session.scalar(select(User).where(User.username == "operator")), main_id)
        plain = list(
            db.session.scalars(
                select(Product.sku)
                .where(
                    Product.sku.like("SKU-%"),
                    Product.lot_tracked.is_(False),
                    Product.expiry_tracked.is_(False),
                )
                .order_by(Product.sku)
            )
        )
        db.session.remove()
    if len(plain) < args.codes:
        sys.exit(f"the demo has {len(plain)} plain products; ask for at most that many codes")

    shots, expected = [Shot(None, 0.6)], []
    for n, sku in enumerate(plain[: args.codes]):
        image, sent = symbol(KINDS[n % len(KINDS)], demo_gtin(int(sku[4:]) - 10001))
        shots += [Shot(image, 1.0), Shot(None, 0.6)]
        expected.append(sent)
    shots.append(Shot(None, 20.0))
    video = write_video(Path(tmpdir) / "labels.mjpeg", shots, SIZE)
    log(f"video: {len(expected)} codes, {video.stat().st_size / 1e6:.1f} MB at {SIZE[0]}x{SIZE[1]}")

    got_scans: list[str] = []
    app_itself = app.wsgi_app

    def recording(environ, start_response):  # the scans the server got, in order
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].startswith("/floor/receive/"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            got_scans.append(Request({**environ, "wsgi.input": io.BytesIO(body)}).form.get("scan"))
            environ["wsgi.input"] = io.BytesIO(body)
        return app_itself(environ, start_response)

    app.wsgi_app = recording
    base, stop = serve(app)
    log(f"serving {base}; {args.runs} runs")

    runs, samples = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CAMERA_ARGS + [f"--use-file-for-fake-video-capture={video}"],
        )
        for n in range(1, args.runs + 1):
            context = browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True)
            context.add_init_script(INSTRUMENT)
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("input[name=username]", "operator")
            page.fill("input[name=password]", "demo-operator")
            page.press("input[name=password]", "Enter")
            page.wait_for_url("**/floor/")
            page.goto(base + "/floor/receive")
            with page.expect_response(lambda r: r.request.method == "POST"):
                page.keyboard.type(f"PO-CAMERA-{n}", delay=5)
                page.keyboard.press("Enter")
            page.wait_for_function("() => document.body.dataset.offlineReady === '1'")
            before = len(got_scans)
            page.evaluate("() => { window.__camera.pressed = performance.now(); window.__camera.sent = []; }")
            page.click("[data-camera-toggle]")
            page.wait_for_function(
                f"() => window.__camera.sent.length >= {len(expected)} && document.body.dataset.scansQueued === '0'",
                timeout=len(expected) * 1600 + 60_000,
                polling=100,
            )
            page.wait_for_function(
                "() => document.body.dataset.scansQueued === '0' && document.body.dataset.scansInFlight === '0'"
            )
            page.click("[data-camera-toggle]")
            marks = page.evaluate("window.__camera")
            context.close()

            scans = got_scans[before:]
            if scans != expected:
                sys.exit(f"run {n}: the server got {scans}, the video shows {expected}")
            latency, decoding, stream = [], [], []
            sent = list(marks["sent"])
            for read in marks["reads"]:
                post = next(s for s in sent if s["scan"] == read["code"] and s["at"] >= read["decoded"])
                sent.remove(post)
                latency.append(post["at"] - read["grabbed"])
                decoding.append(read["decoded"] - read["grabbed"])
                stream.append(post["at"] - read["decoded"])
            samples += [
                dict(
                    run=n,
                    kind=KINDS[i % len(KINDS)],
                    ms=latency[i],
                    decode_ms=decoding[i],
                    stream_ms=stream[i],
                )
                for i in range(len(latency))
            ]
            run = dict(
                codes=len(latency),
                p50_ms=round(statistics.median(latency), 1),
                p95_ms=round(percentile(latency, 95), 1),
                decode_p50_ms=round(statistics.median(decoding), 1),
                stream_p50_ms=round(statistics.median(stream), 1),
                opened_ms=round(marks["reads"][0]["grabbed"] - marks["pressed"], 1),
            )
            runs.append(run)
            log(f"run {n}: {run}")
        browser.close()
    stop()

    all_ms = [s["ms"] for s in samples]
    res["runs"] = runs
    res["overall"] = dict(
        samples=len(all_ms),
        p50_ms=round(statistics.median(all_ms), 1),
        p95_ms=round(percentile(all_ms, 95), 1),
        max_ms=round(max(all_ms), 1),
        decode_p50_ms=round(statistics.median(s["decode_ms"] for s in samples), 1),
        stream_p50_ms=round(statistics.median(s["stream_ms"] for s in samples), 1),
        by_kind={
            kind: round(statistics.median(s["ms"] for s in samples if s["kind"] == kind), 1)
            for kind in KINDS
            if any(s["kind"] == kind for s in samples)
        },
    )
    res["samples"] = samples
    res["machine"]["loadavg_end"] = os.getloadavg()
    out = results_dir / f"camera-{started}.json"
    out.write_text(json.dumps(res, indent=2, default=str))

    o = res["overall"]
    print(f"\n=== camera: frame grabbed -> scan sent, {SIZE[0]}x{SIZE[1]}, headless Chromium ===")
    print("run   codes   p50 ms   p95 ms   decode p50   stream p50   opened ms")
    for n, r in enumerate(runs, 1):
        print(
            f"  {n:<3} {r['codes']:>5}   {r['p50_ms']:>6.1f}   {r['p95_ms']:>6.1f}   {r['decode_p50_ms']:>10.1f}"
            f"   {r['stream_p50_ms']:>10.1f}   {r['opened_ms']:>9.1f}"
        )
    print(f"by kind (p50 ms): {o['by_kind']}")
    print(
        f"overall {o['samples']} codes: median {o['p50_ms']:.1f} ms, p95 {o['p95_ms']:.1f} ms; "
        f"target < {TARGET_MS} ms median: {'met' if o['p50_ms'] < TARGET_MS else 'MISSED'}"
    )
    print(f"\nresults: {out.relative_to(ROOT)}")
    shutil.rmtree(tmpdir, ignore_errors=True)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
