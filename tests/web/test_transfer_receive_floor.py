"""Receiving a transfer on the floor when a line was picked short to nothing."""
from tests.factories import make_location, receive
from warehouse import accounts, transfers
from warehouse.extensions import db
from warehouse.models import LocationType, ShortReason, User


def test_a_line_picked_short_to_nothing_says_not_shipped_instead_of_0_of_0(client, auth, site):
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    a1 = site.bin(site.main, "A-01-01")
    receive(site.bolt, a1, 10)
    receive(site.nut, a1, 10)
    transfer = transfers.create(site.main.id, site.north.id, actor_id=None)
    transfers.add_line(transfer.id, site.bolt, 3)
    nut_line = transfers.add_line(transfer.id, site.nut, 2)
    transfers.approve(transfer.id, actor_id=None)
    transfers.pick(transfer.id, a1, site.bolt, 3, actor_id=None)
    transfers.short_pick(transfer.id, nut_line.id, ShortReason.NOT_FOUND, actor_id=None)
    transfers.ship(transfer.id, actor_id=None)

    auth.login("operator")
    accounts.set_location(db.session.query(User).filter_by(username="operator").one(), site.north.id)
    html = client.get(f"/floor/transfer-receive/{transfer.id}").get_data(as_text=True)

    assert "0 of 3 x BOLT-M8" in html
    assert "NUT-M8 not shipped" in html and "none of 2 was picked" in html
    assert "of 0 x" not in html
