"""A small warehouse with some of everything, so each page the accessibility test opens
shows rows, forms and badges rather than only its empty state; and the paths of the pages
whose route takes an id (or needs a query to be a page at all)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from tests.conftest import PASSWORD
from tests.factories import Warehouse, make_location, make_lot, receive
from warehouse import accounts, counts, stock_requests, transfers
from warehouse.accounts.models import Role
from warehouse.alerts.models import ReorderPolicy
from warehouse.availability import channels, holds, reservations
from warehouse.availability.models import HoldReason
from warehouse.catalog.models import LocationType
from warehouse.core.extensions import db
from warehouse.inbound import receiving
from warehouse.integrations import webhooks
from warehouse.setup import imports
from warehouse.setup.models import ImportKind

# Endpoint -> the paths that show it, filled from the place's ids. A route with arguments
# that is missing here fails test_every_get_route_is_a_visited_page_or_excluded_with_a_reason.
PATHS = {
    "stock.sku": ("/stock/sku/BOLT-M8", "/stock/sku/GLUE-50"),
    "transfers.detail": ("/transfers/{transfer}", "/transfers/{draft_transfer}"),
    "transfers.sku_search": ("/transfers/sku-search?transfer={draft_transfer}&q=B",),
    "counts.detail": ("/counts/{batch}",),
    "stock_requests.detail": ("/stock-requests/{request}", "/stock-requests/{draft_request}"),
    "stock_requests.products": ("/stock-requests/products?request={draft_request}&q=B",),
    "channels.drilldown": ("/channels/drilldown?sku=BOLT-M8",),
    "setup.import_run": ("/setup/import/{run}",),
    "setup.location": ("/setup/locations/warehouse-main",),
    "setup.product_edit": ("/setup/products/GLUE-50",),
    "setup.user": ("/setup/users/operator",),
    "floor.count": ("/floor/count/{batch}",),
    "floor.pick": ("/floor/pick/{transfer}",),
    "floor.putaway_task": ("/floor/putaway/{task}",),
    "floor.receive_scan": ("/floor/receive/{receipt}",),
    "floor.transfer_receive": ("/floor/transfer-receive/{arriving}",),
}


@dataclass
class Place:
    ids: dict[str, int]

    @staticmethod
    def endpoints_with_paths() -> set[str]:
        return set(PATHS)

    def paths(self, endpoint: str) -> tuple[str, ...]:
        return tuple(path.format(**self.ids) for path in PATHS[endpoint])


def build_place() -> Place:
    """Everyone works at warehouse-main: one user per role (named after it)."""
    site = Warehouse.build()
    make_location("transit", LocationType.TRANSIT, bins=("TRANSIT",))
    people = {role: accounts.create_user(role.value, PASSWORD, role) for role in Role}
    for user in people.values():
        accounts.set_location(user, site.main.id)
    boss, operator = people[Role.SUPERVISOR], people[Role.OPERATOR]
    a1, a2 = site.bin(site.main, "A-01-01"), site.bin(site.main, "A-01-02")

    receive(site.bolt, a1, 40)
    receive(site.glue, a2, 6, lot=make_lot(site.glue, "L-2030-01", date(2030, 1, 31)))
    db.session.add(ReorderPolicy(product_id=site.nut.id, location_id=site.main.id, reorder_point=20))
    db.session.commit()
    receive(site.nut, a2, 3)  # below its reorder point: an open alert
    receive(site.bolt, site.bin(site.north, "S-01-01"), 10)

    holds.place(site.bolt, a1, 2, HoldReason.DAMAGED, actor_id=None)
    reservations.reserve(site.bolt, site.main, 3, ("order", "ord-1"), actor_id=None)
    channels.create("web", "Web shop", actor_id=None)
    channels.set_rule("web", "warehouse-main", buffer=5, actor_id=None)
    webhooks.subscribe("https://erp.example.com/in", actor_id=None, allow_private=True)

    transfer = transfers.create(site.main.id, site.north.id, actor_id=None)
    transfers.add_line(transfer.id, site.bolt, 3)
    transfers.approve(transfer.id, actor_id=None)
    draft = transfers.create(site.main.id, site.north.id, actor_id=None)
    transfers.add_line(draft.id, site.nut, 1)
    arriving = transfers.create(site.north.id, site.main.id, actor_id=None)
    transfers.add_line(arriving.id, site.bolt, 4)
    transfers.approve(arriving.id, actor_id=None)
    transfers.ship_as_reserved(arriving.id, actor_id=boss.id)

    batch = counts.create(site.main.id, counts.Selection(bins_like="A-01-*"), actor_id=boss.id)

    receipt = receiving.start("PO-4711", location_id=site.main.id, actor_id=operator.id)
    receiving.add(receipt.id, site.bolt, qty=2)
    received = receiving.start("PO-4712", location_id=site.main.id, actor_id=operator.id)
    receiving.add(received.id, site.nut, qty=5)
    (task, *_) = receiving.finish(received.id, actor_id=operator.id).tasks

    asked = stock_requests.create(
        location_id=site.north.id,
        department=None,
        lines=[stock_requests.LineIn(site.bolt, 2)],
        actor_id=operator.id,
    )
    stock_requests.submit(asked.id, actor_id=operator.id)
    draft_request = stock_requests.create(
        location_id=site.main.id, department=None, lines=[], actor_id=operator.id
    )

    run = imports.start(
        ImportKind.PRODUCTS, "products.csv", _products_sheet(), skip_bad_rows=True, actor_id=None
    )
    return Place(
        ids=dict(
            transfer=transfer.id,
            draft_transfer=draft.id,
            arriving=arriving.id,
            batch=batch.id,
            receipt=receipt.id,
            task=task.id,
            request=asked.id,
            draft_request=draft_request.id,
            run=run.id,
        )
    )


def _products_sheet() -> bytes:
    """A products file with one bad row, so the import's review has a problem to show."""
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["SKU", "Description", "GTIN", "Case GTIN", "Units per case", "Lot tracked"],
            ["WASHER-8", "Washer 8 mm", "", "", "", "no"],
            ["", "A row without a SKU", "", "", "", "no"],
        ]
    )
    return out.getvalue().encode()
