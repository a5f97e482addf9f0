"""A blind cycle count as one story: the variance is measured against the ledger at the
moment of counting, so a pick during the count is not mistaken for a variance."""

import pytest
from sqlalchemy import select

from tests.factories import make_location, make_product, receive
from warehouse import accounts, counts, ledger
from warehouse.core.errors import DomainError
from warehouse.core.extensions import db
from warehouse.counts.models import CountLineStatus, CountStatus
from warehouse.ledger import Line
from warehouse.ledger.models import Balance, MovementType


def test_count_resolve_and_last_counted(app):
    main = make_location("warehouse-main", bins=("RCV-01", "A-01-01", "A-01-02", "B-01-01"))
    bins = {b.code: b for b in main.bins}
    bolt, nut, pin = make_product("BOLT-M8"), make_product("NUT-M8"), make_product("PIN-3")
    receive(bolt, bins["A-01-01"], 7919)
    receive(nut, bins["A-01-02"], 10)
    receive(pin, bins["B-01-01"], 4)
    counter = accounts.create_user("cora", "long-enough-pw", "operator")
    boss = accounts.create_user("sam", "long-enough-pw", "supervisor")

    batch = counts.create(main.id, counts.Selection(bins_like="A-01-*"), actor_id=boss.id)
    assert [(l.bin.code, l.product.sku) for l in counts.get(batch.id).lines] == [
        ("A-01-01", "BOLT-M8"),
        ("A-01-02", "NUT-M8"),
    ]

    counts.record(batch.id, bins["A-01-01"], bolt, set_to=7917, actor_id=counter.id)  # 2 missing
    # after counting, 5 are picked: the ledger moves on, the variance must not
    ledger.post(MovementType.OUTBOUND_SALE, [Line.at(bins["A-01-01"], bolt, qty=-5)], actor_id=None)
    counts.record(batch.id, bins["A-01-02"], nut, add=1, actor_id=counter.id)
    counts.record(batch.id, bins["A-01-02"], nut, set_to=10, actor_id=counter.id)
    counts.record(batch.id, bins["A-01-02"], pin, add=1, actor_id=counter.id)  # not expected here
    counts.submit(batch.id, actor_id=counter.id)

    batch = counts.get(batch.id)
    lines = {l.product.sku: l for l in batch.lines}
    assert (lines["BOLT-M8"].variance, lines["NUT-M8"].variance, lines["PIN-3"].variance) == (-2, 0, 1)
    assert lines["PIN-3"].unexpected
    with pytest.raises(DomainError, match="You counted"):
        counts.accept(batch.id, [lines["BOLT-M8"].id], actor_id=counter.id)  # four eyes

    counts.accept(batch.id, [lines["BOLT-M8"].id, lines["NUT-M8"].id], actor_id=boss.id)
    counts.recount(batch.id, [lines["PIN-3"].id], actor_id=boss.id)
    assert ledger.balance(bolt.id, bins["A-01-01"].id)[0] == 7919 - 5 - 2
    assert counts.get(batch.id).status is CountStatus.COUNTING
    with pytest.raises(DomainError):
        counts.accept(batch.id, [lines["BOLT-M8"].id], actor_id=boss.id)  # accept twice: once

    counts.record(batch.id, bins["A-01-02"], pin, add=1, actor_id=boss.id)
    counts.submit(batch.id, actor_id=boss.id)
    recount_line = next(l for l in counts.get(batch.id).lines if l.status is CountLineStatus.COUNTED)
    counts.accept(
        batch.id, [recount_line.id], actor_id=accounts.create_user("vic", "long-enough-pw", "supervisor").id
    )
    assert counts.get(batch.id).status is CountStatus.RESOLVED
    assert ledger.balance(pin.id, bins["A-01-02"].id)[0] == 1
    counted = db.session.scalar(select(Balance.last_counted_at).where(Balance.product_id == bolt.id))
    assert counted is not None
    assert ledger.verify() == []
