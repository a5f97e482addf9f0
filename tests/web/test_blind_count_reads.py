"""Blind means blind on the pages: while A-01-02 is in a count batch that is open or
counting, an operator finds its on-hand nowhere (floor Look up of the bin or of a product
in it, the stock list, the SKU page, the movement history; full pages and htmx
fragments), nor a total it could subtract it from. A supervisor sees the figures with a
"being counted" note. Once the batch is submitted, the operator sees them again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.factories import make_location, make_product, receive
from warehouse import accounts, counts
from warehouse.accounts.models import User
from warehouse.core.extensions import db

HX = {"HX-Request": "true"}
COUNTED = 4137  # BOLT-M8 in A-01-02, the bin being counted: no operator may read it
NUT_COUNTED = 2203  # NUT-M8 in the same bin
ELSEWHERE = 1009  # BOLT-M8 in A-01-01, not being counted: still shown to everyone
MAIN_TOTAL = COUNTED + ELSEWHERE  # 5146: a total would give COUNTED away by subtraction
SECRETS = (COUNTED, NUT_COUNTED, MAIN_TOTAL)


def shows(body: str, figure: int, sign: str = "") -> bool:
    """Whether a page writes the figure: as digits (4137) or grouped the English reader's
    way (4,137, `|number`); a figure hidden must be hidden both ways."""
    return any(f"{sign}{written}" in body for written in (str(figure), f"{figure:,}"))


@pytest.fixture
def counting(app, client, auth):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02"))
    bins = {b.code: b for b in main.bins}
    bolt = make_product("BOLT-M8", gtin="9506000134352")
    nut = make_product("NUT-M8")
    receive(bolt, bins["A-01-02"], COUNTED)
    receive(bolt, bins["A-01-01"], ELSEWHERE)
    receive(nut, bins["A-01-02"], NUT_COUNTED)
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    batch = counts.create(main.id, counts.Selection(bins_like="A-01-02"), actor_id=boss.id)
    for role in ("operator", "supervisor"):
        auth.login(role)
        user = db.session.scalar(select(User).where(User.username == role))
        accounts.set_location(user, main.id)
        auth.logout()
    return dict(main=main, bins=bins, bolt=bolt, nut=nut, batch=batch, boss=boss)


def everything_an_operator_can_read(client) -> dict[str, str]:
    """Every page and fragment that shows stock, by what was asked: path (and HX)."""
    pages = {}
    for path in (
        "/stock",
        "/stock?bin=A-01-02",
        "/stock?sku=BOLT-M8",
        "/stock/sku/BOLT-M8",
        "/stock/sku/NUT-M8",
        "/movements",
        "/movements?sku=BOLT-M8",
        "/movements?location=warehouse-main",
    ):
        for headers in ({}, HX):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, path
            pages[f"GET {path} {headers}"] = response.get_data(as_text=True)
    token = csrf_token(client, "/floor/lookup")
    for code in ("A-01-02", "warehouse-main:A-01-02", "BOLT-M8", "9506000134352", "NUT-M8"):
        for headers in ({}, HX):
            response = client.post("/floor/lookup", data={"scan": code, "csrf_token": token}, headers=headers)
            assert response.status_code == 200, code
            pages[f"look up {code} {headers}"] = response.get_data(as_text=True)
    return pages


def test_an_operator_reads_no_figure_of_a_bin_being_counted(client, auth, counting):
    auth.login("operator")
    pages = everything_an_operator_can_read(client)

    for asked, body in pages.items():
        for secret in SECRETS:
            assert not shows(body, secret), f"{secret} shown on {asked}"
    assert all("being counted" in body for asked, body in pages.items() if "/movements" not in asked)
    assert "A-01-02: being counted" in pages["look up A-01-02 {}"]
    assert "A-01-02: being counted" in pages["GET /stock/sku/BOLT-M8 {'HX-Request': 'true'}"]


def test_an_operator_still_sees_the_bins_not_being_counted(client, auth, counting):
    auth.login("operator")
    pages = everything_an_operator_can_read(client)

    for asked in ("GET /stock {}", "GET /stock/sku/BOLT-M8 {}", "look up BOLT-M8 {}", "GET /movements {}"):
        assert shows(pages[asked], ELSEWHERE), asked


def test_the_movement_history_hides_the_quantities_of_the_bin_being_counted(client, auth, counting):
    auth.login("operator")
    body = client.get("/movements?sku=BOLT-M8").get_data(as_text=True)

    assert "A-01-02: being counted" in body  # the movement is listed, its quantities are not
    assert not shows(body, COUNTED, "+") and shows(body, ELSEWHERE, "+")


def test_a_supervisor_sees_every_figure_with_a_being_counted_note(client, auth, counting):
    auth.login("supervisor")
    pages = everything_an_operator_can_read(client)

    for asked in ("GET /stock {}", "GET /stock?bin=A-01-02 {'HX-Request': 'true'}", "look up A-01-02 {}"):
        assert shows(pages[asked], COUNTED) and "being counted" in pages[asked], asked
    assert shows(pages["GET /stock/sku/BOLT-M8 {}"], MAIN_TOTAL)
    assert "being counted" in pages["GET /stock/sku/BOLT-M8 {}"]
    assert shows(pages["look up NUT-M8 {}"], NUT_COUNTED)
    assert shows(pages["GET /movements?sku=BOLT-M8 {}"], COUNTED, "+")


def test_once_the_batch_is_submitted_the_operator_sees_the_bin_again(client, auth, counting):
    operator = accounts.create_user("olly", "long-enough-pw", "operator")
    bin = counting["bins"]["A-01-02"]
    for product, qty in ((counting["bolt"], COUNTED), (counting["nut"], NUT_COUNTED)):
        counts.record(counting["batch"].id, bin, product, actor_id=operator.id, set_to=qty)
    counts.submit(counting["batch"].id, actor_id=operator.id)
    auth.login("operator")
    pages = everything_an_operator_can_read(client)

    assert shows(pages["look up A-01-02 {}"], COUNTED)
    assert shows(pages["GET /stock/sku/BOLT-M8 {}"], MAIN_TOTAL)
    assert shows(pages["GET /stock?bin=A-01-02 {}"], COUNTED)
    assert shows(pages["GET /movements?sku=BOLT-M8 {}"], COUNTED, "+")
    assert not any("being counted" in body for body in pages.values())


def test_a_recount_blinds_the_recounted_bin_again(client, auth, counting):
    operator = accounts.create_user("olly", "long-enough-pw", "operator")
    batch, bin = counting["batch"], counting["bins"]["A-01-02"]
    for product in (counting["bolt"], counting["nut"]):
        counts.record(batch.id, bin, product, actor_id=operator.id, set_to=1)
    counts.submit(batch.id, actor_id=operator.id)
    line = next(l for l in counts.get(batch.id).lines if l.product_id == counting["bolt"].id)
    counts.recount(batch.id, [line.id], actor_id=counting["boss"].id)
    auth.login("operator")

    body = client.post(
        "/floor/lookup", data={"scan": "A-01-02", "csrf_token": csrf_token(client, "/floor/lookup")}
    ).get_data(as_text=True)
    assert not shows(body, COUNTED) and "A-01-02: being counted" in body
