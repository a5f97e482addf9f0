"""Which bins are being counted (and so hidden from a blind reader) as a batch moves:
open and counting hide its bins, submitted shows them, a recount hides only the bin
recounted; a location's question names only its own batches; one query however many
batches were ever counted."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.factories import make_location, make_product, receive
from warehouse import accounts, counts
from warehouse.core.extensions import db


@pytest.fixture
def wh(app):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02", "B-01-01"))
    north = make_location("service-north", bins=("RCV-01", "S-01-01"))
    bins = {b.code: b for b in main.bins} | {"S-01-01": next(b for b in north.bins if b.code == "S-01-01")}
    bolt = make_product("BOLT-M8")
    for code in ("A-01-01", "A-01-02", "B-01-01", "S-01-01"):
        receive(bolt, bins[code], 10)
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")
    counter = accounts.create_user("olly", "long-enough-pw", "operator")
    return dict(main=main, north=north, bins=bins, bolt=bolt, boss=boss, counter=counter)


def ids(wh, *codes):
    return frozenset(wh["bins"][code].id for code in codes)


def count_all(wh, batch):
    for line in counts.get(batch.id).lines:
        counts.record(batch.id, line.bin, line.product, actor_id=wh["counter"].id, set_to=10)


def test_nothing_is_hidden_while_nothing_is_being_counted(wh):
    assert counts.bins_being_counted() == frozenset()
    assert not counts.blindfold(True)


def test_an_open_and_a_counting_batch_hide_their_bins_until_submitted(wh):
    batch = counts.create(wh["main"].id, counts.Selection(bins_like="A-01-*"), actor_id=wh["boss"].id)
    assert counts.bins_being_counted() == ids(wh, "A-01-01", "A-01-02")

    counts.record(batch.id, wh["bins"]["A-01-01"], wh["bolt"], actor_id=wh["counter"].id, set_to=3)
    assert counts.bins_being_counted() == ids(wh, "A-01-01", "A-01-02")  # counting, counted too

    count_all(wh, batch)
    counts.submit(batch.id, actor_id=wh["counter"].id)
    assert counts.bins_being_counted() == frozenset()


def test_a_recount_hides_the_bin_recounted_not_the_bins_settled(wh):
    batch = counts.create(wh["main"].id, counts.Selection(bins_like="A-01-*"), actor_id=wh["boss"].id)
    count_all(wh, batch)
    counts.submit(batch.id, actor_id=wh["counter"].id)
    lines = {l.bin.code: l.id for l in counts.get(batch.id).lines}

    counts.accept(batch.id, [lines["A-01-01"]], actor_id=wh["boss"].id)
    assert counts.bins_being_counted() == frozenset()  # in review: nobody counts

    counts.recount(batch.id, [lines["A-01-02"]], actor_id=wh["boss"].id)

    assert counts.bins_being_counted() == ids(wh, "A-01-02")  # A-01-01 is settled


def test_a_location_asks_only_for_its_own_bins(wh):
    counts.create(wh["main"].id, counts.Selection(bins_like="B-*"), actor_id=wh["boss"].id)
    counts.create(wh["north"].id, counts.Selection(), actor_id=wh["boss"].id)

    assert counts.bins_being_counted(wh["main"].id) == ids(wh, "B-01-01")
    assert counts.bins_being_counted(wh["north"].id) == ids(wh, "S-01-01")
    assert counts.bins_being_counted() == ids(wh, "B-01-01", "S-01-01")


def test_a_blind_reader_is_hidden_the_bins_and_a_sighted_one_only_told(wh):
    counts.create(wh["main"].id, counts.Selection(bins_like="B-*"), actor_id=wh["boss"].id)
    b1, a1 = wh["bins"]["B-01-01"].id, wh["bins"]["A-01-01"].id

    blind, sighted = counts.blindfold(True), counts.blindfold(False)

    assert blind.hides(b1) and not blind.hides(a1) and blind.bins == {b1}
    assert not sighted.hides(b1) and sighted.notes(b1) and sighted.bins == frozenset()
    assert blind.counted_totals([wh["bolt"].id]) == {(wh["bolt"].id, wh["main"].id)}


def test_bins_being_counted_is_one_query_however_many_batches(wh):
    for _ in range(5):
        batch = counts.create(wh["main"].id, counts.Selection(bins_like="A-*"), actor_id=wh["boss"].id)
        count_all(wh, batch)
        counts.submit(batch.id, actor_id=wh["counter"].id)
    counts.create(wh["main"].id, counts.Selection(bins_like="B-*"), actor_id=wh["boss"].id)
    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        found = counts.bins_being_counted()
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)

    assert found == ids(wh, "B-01-01")
    assert len([s for s in statements if "count_lines" in s]) == 1
