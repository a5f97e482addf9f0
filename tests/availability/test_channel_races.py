"""Promises on channels racing on real threads, on both engines: a channel never promises
more than its ATP, and another channel's ATP is untouched by the race."""

from sqlalchemy import func, select

from tests.conftest import in_threads
from tests.factories import receive
from warehouse import ledger
from warehouse.availability import atp, reservations
from warehouse.availability.models import Channel, ChannelLocation, Reservation
from warehouse.catalog.models import Location, Product
from warehouse.core.columns import utcnow
from warehouse.core.errors import ChannelAtpExceeded
from warehouse.core.extensions import db


def test_32_reserves_on_a_channel_with_atp_10_give_exactly_10_and_the_other_channel_keeps_its_atp(app, site):
    shelf = site.bin(site.main, "A-01-01")
    receive(site.bolt, shelf, 20)
    web, retail, b2b = (
        Channel(code="web", name="Web"),
        Channel(code="retail", name="Retail"),
        Channel(code="b2b", name="B2B"),
    )
    db.session.add_all([web, retail, b2b])
    db.session.flush()
    db.session.add_all(
        [
            ChannelLocation(channel_id=web.id, location_id=site.main.id, share_percent=50),  # ATP 10
            ChannelLocation(channel_id=retail.id, location_id=site.main.id, share_percent=20),  # ATP 4
            ChannelLocation(
                channel_id=b2b.id, location_id=site.main.id, share_percent=20
            ),  # ATP 4, not racing
        ]
    )
    db.session.commit()
    assert atp.promisable(site.bolt, site.main.id, b2b, utcnow()) == 4
    ids = dict(bolt=site.bolt.id, main=site.main.id, web=web.id, retail=retail.id, b2b=b2b.id)

    def attempt(i):  # 32 web carts and 4 retail tills, released together
        product, location = db.session.get(Product, ids["bolt"]), db.session.get(Location, ids["main"])
        channel = db.session.get(Channel, ids["web"] if i < 32 else ids["retail"])
        return reservations.reserve(product, location, 1, ("cart", f"c-{i}"), actor_id=None, channel=channel)

    results, errors = in_threads(app, 36, attempt)

    assert all(isinstance(e, ChannelAtpExceeded) and "channel web" in e.message for e in errors), errors
    assert sum(r is not None for r in results[:32]) == 10 and len(errors) == 22
    assert all(r is not None for r in results[32:])  # retail got every unit it asked for
    per_channel = dict(
        db.session.execute(
            select(Reservation.channel_id, func.sum(Reservation.qty_open)).group_by(Reservation.channel_id)
        ).all()
    )
    assert per_channel == {ids["web"]: 10, ids["retail"]: 4}
    assert ledger.balance(site.bolt.id, shelf.id) == (20, 14, 0)
    now = utcnow()
    assert atp.promisable(site.bolt, site.main.id, db.session.get(Channel, ids["web"]), now) == 0
    assert atp.promisable(site.bolt, site.main.id, db.session.get(Channel, ids["retail"]), now) == 0
    assert (
        atp.promisable(site.bolt, site.main.id, db.session.get(Channel, ids["b2b"]), now) == 4
    )  # 6 free, its share 4
