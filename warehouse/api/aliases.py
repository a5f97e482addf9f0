"""The reference documents' field names, accepted where ours differ.

Integrators migrating from the systems this product replaces send the bodies and
queries those systems documented: `notes` for our `note`, `items` for a transfer's
`lines`, `locationId` or `warehouse_id` for `location`, `order_id` for a reservation's
reference. A request model lists the other names it takes in `OTHER_NAMES`; they are renamed
to ours before validation, so every rule of our field applies to them, and answers keep
our one shape. Of a field and its other names, one may be sent: both at once is refused
(which would be meant?).

The OpenAPI document shows each other name as a property of its own, described as an
alternative, and says "exactly one of" (a required field) or "not two of" (an optional
one) with `oneOf` / `not`, so clients and the fuzzing see the same rule the server
applies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import select

from warehouse.catalog.models import Bin, Location, Lot, Product
from warehouse.core.extensions import db

# The reference documents (of the systems this product replaces), named in the document
# beside each of their field names we take.
INV_MODULE = "inventory-module.txt"
MOVEMENTS = "inventory-movements-api.txt"
PRODUCT_INV = "product-inventory.txt"
SKU_TX = "sku-transactions.txt"
CATALOGUE = "inventory-endpoint-catalogue.txt"


@dataclass(frozen=True)
class Alias:
    name: str  # as the reference document spells it
    ours: str  # the field it fills
    source: str  # which document, for the description
    convert: Callable[[Any], Any] | None = None
    implies: dict = field(default_factory=dict)  # our fields it also sets
    schema: dict | None = None  # its JSON schema when it is not our field's


def renamed(aliases: tuple[Alias, ...], data):
    """The request with the other names renamed to ours; ValueError when a field and an
    alternative name of it (or two alternatives) are both sent."""
    if not aliases or not isinstance(data, dict):
        return data
    for group in _groups(aliases).values():
        sent = [name for name in group if name in data]
        if len(sent) > 1:
            raise ValueError(f"Send one of {', '.join(sent)}, not {len(sent)}: they name the same thing.")
    out = dict(data)
    for alias in aliases:
        if alias.name in out:
            value = out.pop(alias.name)
            out[alias.ours] = alias.convert(value) if alias.convert else value
            out.update(alias.implies)
    return out


def _groups(aliases: tuple[Alias, ...]) -> dict[str, list[str]]:
    """Our field -> it and every name that fills it (an alias naming several of ours, as
    order_id names a reference's type and id, is in each of their groups)."""
    groups: dict[str, list[str]] = {}
    for alias in aliases:
        for ours in (alias.ours, *alias.implies):
            group = groups.setdefault(ours, [ours])
            if alias.name not in group:
                group.append(alias.name)
    return groups


def document(schema: dict, model) -> None:
    """json_schema_extra of a request model: its other names as properties, and the
    one-of rule (a pydantic hook: `model` is the class being documented)."""
    aliases = getattr(model, "OTHER_NAMES", ())
    if not aliases:
        return
    properties = schema.setdefault("properties", {})
    for alias in aliases:
        ours = properties.get(alias.ours, {})
        shape = alias.schema or {
            k: v for k, v in ours.items() if k not in ("title", "default", "description")
        }
        properties[alias.name] = {
            **shape,
            "description": f"Alternative to `{alias.ours}` ({alias.source}); send one of them.",
        }
    required = schema.get("required", [])
    rules = []
    for ours, group in _groups(aliases).items():
        if ours in required:
            required.remove(ours)
            rules.append({"oneOf": [{"required": [name]} for name in group]})
        else:
            rules.append({"not": {"anyOf": [{"required": list(pair)} for pair in combinations(group, 2)]}})
    if not required:
        schema.pop("required", None)
    schema.setdefault("allOf", []).extend(rules)


# --- ids for codes ----------------------------------------------------------------------
# The reference documents name products and locations by id; ours by code. An id (a whole
# number) is looked up in the caller's organisation (the tenancy hook scopes the select);
# text is taken as our code. In a query string everything is text: digits that are not a
# code are taken as an id.

MAX_ID = 2_147_483_647
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"  # as types.PRINTABLE (which imports this module)


def sku_of(value):
    return _code_of(value, Product.sku, Product.id, "product", "sku")


def location_code_of(value):
    return _code_of(value, Location.code, Location.id, "location", "location code")


def bin_code_of(value):
    return _code_of(value, Bin.code, Bin.id, "bin", "bin code")


def lot_code_of(value):
    return _code_of(value, Lot.code, Lot.id, "lot", "lot code")


def _code_of(value, code_column, id_column, noun: str, code_name: str):
    if isinstance(value, str):
        if not value.isdigit() or len(value) > 10 or int(value) > MAX_ID:
            return value
        if db.session.scalar(select(code_column).where(code_column == value)) is not None:
            return value
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        return value  # our field's own validation says what is wrong with it
    if not 1 <= value <= MAX_ID:
        raise ValueError(f"No {noun} with id {value}: ids are 1 to {MAX_ID}.")
    code = db.session.scalar(select(code_column).where(id_column == value))
    if code is None:
        raise ValueError(f"No {noun} with id {value}. Check the id, or send the {code_name}.")
    return code


ID_OR_CODE = {
    "anyOf": [
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        {"type": "string", "minLength": 1, "maxLength": 64, "pattern": PRINTABLE},
    ]
}


def product(source: str, name: str = "product_id") -> Alias:
    return Alias(name, "sku", source, convert=sku_of, schema=ID_OR_CODE)


def location(name: str, source: str, ours: str = "location") -> Alias:
    return Alias(name, ours, source, convert=location_code_of, schema=ID_OR_CODE)


def bin(name: str, source: str) -> Alias:
    return Alias(name, "bin", source, convert=bin_code_of, schema=ID_OR_CODE)


def lot(name: str, source: str) -> Alias:
    return Alias(name, "lot", source, convert=lot_code_of, schema=ID_OR_CODE)
