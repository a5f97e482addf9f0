"""Issue 14's "done when", in real Chromium: a warehouse starts from an empty install.

The first admin (made with `flask create-user`) signs in, imports 1,000 products from a
CSV (every tenth with a case barcode of 12), makes a location with 200 bins by range,
prints the bin labels (every one decoded), imports opening stock, adds an operator and
prints their badge (decoded). The operator, at phone size, signs in by scanning the
badge's code, receives a case (12 units counted), and puts it away by scanning the code
read from a printed bin label. The ledger verifies clean."""

import csv
import io

import pytest
from sqlalchemy import func, select

from tests.browser.conftest import ONE_ENGINE, scan
from tests.paper.test_labels import scan as decode
from warehouse.catalog.models import Bin, Product
from warehouse.core.extensions import db
from warehouse.ledger.models import Balance

pytestmark = [pytest.mark.browser, ONE_ENGINE]

ADMIN_PASSWORD = "first-admin-pass"
DESKTOP = {"width": 1280, "height": 900}


def gtin(body: str) -> str:
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def catalog_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["SKU", "Description", "GTIN", "Case GTIN", "Units per case", "Unit cost"])
    for n in range(1, 1001):
        case = (gtin(f"1950601{n:06d}"), "12") if n % 10 == 0 else ("", "")
        writer.writerow([f"SKU-{n:05d}", f"Product {n}", gtin(f"950601{n:06d}"), *case, "2.50"])
    return out.getvalue().encode()


def upload(page, kind: str, name: str, data: bytes):
    page.goto(page.base + "/setup/import")
    page.select_option("select[name=kind]", kind)
    page.set_input_files("input[name=file]", {"name": name, "mimeType": "text/csv", "buffer": data})
    page.click("text=Check the file")
    page.wait_for_url("**/setup/import/*")
    page.click("button:has-text('Import')")
    page.wait_for_selector("#import [role=status][data-result=ok]", timeout=120_000)
    return page.locator("#import [role=status][data-result=ok]").inner_text()  # after "OK:"


def test_a_warehouse_starts_from_an_empty_install(phone, app, tmp_path):
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0  # nothing but an organisation
    made = app.test_cli_runner().invoke(
        args=["create-user", "boss", "--role", "admin", "--password", ADMIN_PASSWORD]
    )
    assert made.exit_code == 0, made.output
    db.session.remove()  # this thread's read transaction ends: the live server writes next
    page = phone
    page.set_viewport_size(DESKTOP)
    page.goto(page.base + "/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/stock")
    page.click("header >> text=Setup")
    page.wait_for_url("**/setup")

    assert "Done: 1,000 rows imported." in upload(page, "products", "catalog.csv", catalog_csv())

    page.goto(page.base + "/setup/locations")
    page.fill("input[name=code]", "DC1")
    page.fill("input[name=name]", "Distribution centre")
    page.click("text=Add location")
    page.wait_for_url("**/setup/locations/DC1*")
    page.fill("input[name=first]", "A-01-01")
    page.fill("input[name=last]", "A-20-10")
    page.click("button:has-text('Add bins')")
    page.wait_for_selector("text=Added 200 bins: A-01-01 to A-20-10.")

    labels = page.request.get(page.base + "/setup/labels/bins.pdf?location=DC1")
    assert labels.ok and labels.headers["content-type"] == "application/pdf"
    printed = {s.text for s in decode(labels.body(), tmp_path)}
    assert len(printed) == 202 and {"DC1:A-01-01", "DC1:A-20-10", "DC1:RCV-01"} <= printed

    stock = "sku,location,bin,quantity\n" + "".join(
        f"SKU-{n:05d},DC1,A-01-{n:02d},{n}\n" for n in (1, 2, 3, 4, 10)
    )
    assert "Done: 5 rows imported." in upload(page, "stock", "opening.csv", stock.encode())

    page.goto(page.base + "/setup/users")
    page.fill("input[name=username]", "ola")
    page.select_option("select[name=role]", "operator")
    page.fill("input[name=password]", "ola-password")
    page.fill("input[name=badge_code]", "BADGE-OLA")
    page.fill("input[name=pin]", "2468")
    page.click("button:has-text('Add user')")
    page.wait_for_url("**/setup/users/ola*")
    badge = page.request.get(page.base + "/setup/users/ola/badge.pdf")
    (tmp_path / "badge").mkdir()
    [badge_code] = [s.text for s in decode(badge.body(), tmp_path / "badge")]
    page.click("text=Sign out")

    # The operator, on a phone-sized screen, with the scanner only.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(page.base + "/login/badge")
    page.keyboard.type(badge_code, delay=5)
    page.keyboard.press("Enter")
    page.wait_for_selector("input[name=pin]")
    # The PIN field takes the focus by itself (no mouse): wait for that, not just for the
    # field, or keys typed in between go nowhere (seen once on a loaded machine).
    page.wait_for_function("document.activeElement && document.activeElement.name === 'pin'")
    page.keyboard.type("2468")
    page.keyboard.press("Enter")
    page.wait_for_url("**/floor/")
    page.click("text=Start here")
    page.goto(page.base + "/floor/receive")
    scan(page, "PO-1")
    case = gtin("1950601000010")  # SKU-00010's case of 12
    assert scan(page, case).inner_text().endswith(" +12 SKU-00010: now 12.")  # after the outcome's word
    page.click("text=Finish receipt")
    page.wait_for_selector("text=1 put-away task(s) ready")
    page.goto(page.base + "/floor/putaway")
    told = scan(page, gtin("950601000010")).inner_text()
    bin_code = told.split("take to ")[1].split()[0].rstrip(".")
    label = f"DC1:{bin_code}"
    assert label in printed  # the code a printed label carries
    assert scan(page, label).inner_text().endswith(f" Put away 12 SKU-00010 in {bin_code}.")

    db.session.rollback()
    placed = db.session.scalar(
        select(Balance.on_hand)
        .join(Bin, Bin.id == Balance.bin_id)
        .join(Product, Product.id == Balance.product_id)
        .where(Product.sku == "SKU-00010", Bin.code == bin_code)
    )
    assert bin_code == "A-01-10" and placed == 10 + 12  # suggested: where SKU-00010 already is
    verified = app.test_cli_runner().invoke(args=["verify-ledger"])
    assert verified.exit_code == 0 and "0 drifted keys" in verified.output
