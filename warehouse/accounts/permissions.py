"""API permissions (seed 003) and which role is granted which.

A person's role grants a set of permissions; an API token acts for its user and may be
narrowed to a subset (ApiToken.scopes), never widened. The pages keep checking roles
(web/security.py); the JSON API checks these names.

Why the operator gets what it gets: operators work the floor and look stock up, so they
read everything an integration may read, and `inventory.write` (reserve, release, fulfil,
return: what a storefront or packing station does for an order). Changing stock outside
an order (adjust), counting with the expected quantities in sight (cycle-count review),
moving stock between locations and closing alerts stay with supervisors, as on the pages.
Reorder policies are a supervisor's figures too (`replenishment.write`); the catalog itself
(products, barcodes, opening stock: `products.write`) is an admin's, as its pages are.

Stock requests: anyone who works somewhere may ask for stock (`stockrequests.read` and
`stockrequests.write`: operators up); deciding is a supervisor's (`stockrequests.approve`:
it moves stock, by a transfer or an issue), and never on a request of one's own (four eyes,
in the domain).
"""

from __future__ import annotations

from warehouse.accounts.models import Role
from warehouse.core.errors import UnknownPermission
from warehouse.core.i18n import msg

INVENTORY_READ = "inventory.read"
INVENTORY_ADJUST = "inventory.adjust"  # POST /api/stock (adjust), locations
INVENTORY_WRITE = "inventory.write"  # reserve, release, fulfil, return
INVENTORY_CYCLECOUNT = "inventory.cyclecount"  # count to a quantity, cycle-count review
TRANSFERS_READ = "transfers.read"
TRANSFERS_WRITE = "transfers.write"
ALERTS_READ = "alerts.read"
ALERTS_WRITE = "alerts.write"
REPLENISHMENT_READ = "replenishment.read"
REPLENISHMENT_WRITE = "replenishment.write"  # reorder policies (PUT /api/replenishment/config)
PRODUCTS_WRITE = "products.write"  # create, change and sync products; admins only
STOCKREQUESTS_READ = "stockrequests.read"  # requests, their lines and history, products to ask for
STOCKREQUESTS_WRITE = "stockrequests.write"  # ask: create, edit, submit, roll back, withdraw, comment
STOCKREQUESTS_APPROVE = "stockrequests.approve"  # decide: approve (a transfer or an issue), reject

ALL = (
    INVENTORY_READ,
    INVENTORY_ADJUST,
    INVENTORY_WRITE,
    INVENTORY_CYCLECOUNT,
    TRANSFERS_READ,
    TRANSFERS_WRITE,
    ALERTS_READ,
    ALERTS_WRITE,
    REPLENISHMENT_READ,
    REPLENISHMENT_WRITE,
    PRODUCTS_WRITE,
    STOCKREQUESTS_READ,
    STOCKREQUESTS_WRITE,
    STOCKREQUESTS_APPROVE,
)

_READS = frozenset({INVENTORY_READ, TRANSFERS_READ, ALERTS_READ, REPLENISHMENT_READ, STOCKREQUESTS_READ})

BY_ROLE: dict[Role, frozenset[str]] = {
    Role.OPERATOR: _READS | {INVENTORY_WRITE, STOCKREQUESTS_WRITE},
    Role.SUPERVISOR: frozenset(ALL) - {PRODUCTS_WRITE},
    Role.ADMIN: frozenset(ALL),
}


def lowest_role(permission: str) -> Role:
    """The least senior role granted a permission (what the route-walking test records)."""
    for role in (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN):
        if permission in BY_ROLE[role]:
            return role
    raise ValueError(f"unknown permission {permission!r}")


def parse_scopes(text: str | None) -> frozenset[str] | None:
    """'inventory.read transfers.read' (spaces or commas) to a set; None or '' means
    not narrowed. Unknown names are refused so a typo never grants nothing silently."""
    if text is None or not text.strip():
        return None
    names = frozenset(text.replace(",", " ").split())
    unknown = sorted(names - set(ALL))
    if unknown:
        raise UnknownPermission(
            msg(
                "Unknown permission(s): {unknown}. Choose from: {known}.",
                unknown=", ".join(unknown),
                known=", ".join(ALL),
            )
        )
    return names


def granted(role: Role, scopes: frozenset[str] | None = None) -> frozenset[str]:
    """What a request may do: the role's permissions, narrowed by a token's scopes."""
    mine = BY_ROLE[Role(role)]
    return mine if scopes is None else mine & scopes
