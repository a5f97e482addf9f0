"""One scan resolver for every floor screen: what did the operator just scan?

A scan is tried, in order, as:
1. a GS1 element string, human form "(01)...(17)...(10)..." or raw form (symbology
   identifier "]C1"/"]d2"/"]Q3" or FNC1 sent as GS, 0x1d): GTIN, lot, expiry, serial,
   SSCC and count come out of one scan (parsed by the biip library);
2. a product SKU or barcode (GTINs match whatever length they were printed at);
3. a bin label barcode, or a bin code within the operator's location;
4. a transfer number as printed on the slip (TR-000123), or a count batch number (CNT-...).
A code that is both a product and a bin is ambiguous unless the screen said which it
expects. Unknown codes raise UnknownScan; nothing is ever written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import biip
from biip import ParseConfig
from biip.gs1_messages import GS1Message
from sqlalchemy import bindparam, or_, select

from warehouse.catalog.models import Bin, Product, ProductBarcode
from warehouse.core.errors import AmbiguousScan, UnknownScan
from warehouse.core.extensions import db
from warehouse.core.i18n import Message, msg

GS = "\x1d"
SYMBOLOGY_IDS = ("]C1", "]d2", "]Q3", "]e0", "]J1")
MAX_SCAN = 200
_CONTROL_EXCEPT_GS = re.compile(r"[\x00-\x1c\x1e\x1f\x7f]")


TRANSFER_NUMBER = re.compile(r"TR-[0-9]{1,9}", re.IGNORECASE)
COUNT_NUMBER = re.compile(r"CNT-[0-9]{1,9}", re.IGNORECASE)


@dataclass(frozen=True)
class Scan:
    raw: str
    kind: str  # "product" | "bin" | "sscc" | "transfer" | "count"
    product: Product | None = None
    bin: Bin | None = None
    lot_code: str | None = None
    expiry: date | None = None
    serial: str | None = None
    count: int | None = None
    sscc: str | None = None
    number: str | None = None  # a transfer slip's or count sheet's number, upper case
    pack_qty: int = 1  # units the scanned barcode stands for (a case's GTIN: the case's units)
    # Loaded by the floor's resolver (web/floor/resolver.py): the catalog does not know
    # transfers or counts, the workflows that own them do.
    transfer: object | None = None
    batch: object | None = None

    @property
    def is_gs1(self) -> bool:
        return any((self.lot_code, self.expiry, self.serial, self.count, self.sscc))

    def units(self, typed: int | None = None) -> int:
        """The units this scan stands for: the label's count (GS1 (30)/(37)), else the
        quantity typed with it, else one, times the barcode's pack quantity (3 cases of
        12 are 36 units)."""
        return (self.count or typed or 1) * self.pack_qty


def clean(code: str) -> str:
    """Drop the CR/LF/TAB a scanner appends and any control character except GS (FNC1)."""
    return _CONTROL_EXCEPT_GS.sub("", code or "").strip()


def resolve(code: str, *, location_id: int | None = None, expect: str | None = None) -> Scan:
    code = clean(code)
    if not code:
        raise UnknownScan(msg("Nothing scanned. Scan the barcode again."))
    if len(code) > MAX_SCAN:
        raise UnknownScan(msg("That code is too long to be one of ours. Scan a single label."))
    if looks_like_gs1(code):
        return _resolve_gs1(code)
    if TRANSFER_NUMBER.fullmatch(code):
        return Scan(code, "transfer", number=code.upper())
    if COUNT_NUMBER.fullmatch(code):
        return Scan(code, "count", number=code.upper())
    product, pack = find_product_and_pack(code)
    bin = find_bin(code, location_id)
    if product and bin:
        if expect in ("product", "bin"):
            return Scan(
                code,
                expect,
                product=product if expect == "product" else None,
                bin=bin if expect == "bin" else None,
                pack_qty=pack if expect == "product" else 1,
            )
        raise AmbiguousScan(
            msg(
                "{code} is both a product and a bin. Scan the bin's label "
                "barcode or the product's barcode instead.",
                code=code,
            )
        )
    if product:
        return Scan(code, "product", product=product, pack_qty=pack)
    if bin:
        return Scan(code, "bin", bin=bin)
    raise UnknownScan(msg("Unknown code {code}. Check the label, or type the SKU or bin code.", code=code))


def looks_like_gs1(code: str) -> bool:
    return (
        code.startswith("(")
        or code.startswith(SYMBOLOGY_IDS)
        or GS in code
        or (len(code) >= 16 and code[:2] in ("00", "01", "02") and code[2:16].isdigit())
    )


def _resolve_gs1(code: str) -> Scan:
    message = _parse_gs1(code)
    fields = {es.ai.ai: es for es in message.element_strings}
    gtin = fields.get("01") or fields.get("02")
    sscc = fields.get("00")
    count = fields.get("30") or fields.get("37")
    common = dict(
        lot_code=_value(fields, "10"),
        expiry=fields["17"].date if "17" in fields else None,
        serial=_value(fields, "21"),
        count=int(count.value) if count else None,
    )
    for element in (gtin, sscc):
        if element is not None and (element.gtin_error or element.sscc_error):
            raise UnknownScan(
                msg(
                    "Could not read this GS1 label ({error}). Scan it again or type the SKU.",
                    error=element.gtin_error or element.sscc_error,
                )
            )
    if gtin is not None:
        product, pack = find_product_and_pack(gtin.value)
        if product is None:
            raise UnknownScan(
                msg(
                    "No product has GTIN {gtin}. Ask a supervisor to add this barcode to the product.",
                    gtin=gtin.value,
                )
            )
        return Scan(code, "product", product=product, pack_qty=pack, **common)
    if sscc is not None:
        return Scan(code, "sscc", sscc=sscc.value, **common)
    raise UnknownScan(msg("This GS1 label has no product (GTIN) in it. Scan the product barcode."))


def _parse_gs1(code: str) -> GS1Message:
    try:
        if code.startswith("("):
            return GS1Message.parse_hri(code)
        return biip.parse(code, config=ParseConfig(separator_chars=[GS])).gs1_message or GS1Message.parse(
            code.removeprefix("]C1").removeprefix("]d2"), config=ParseConfig(separator_chars=[GS])
        )
    except Exception as error:  # biip raises several kinds; all mean "not a valid label"
        raise UnknownScan(_unreadable(str(error))) from error


def _unreadable(detail: str) -> Message:
    """biip's message names a regex; the operator needs which field is wrong (one whole
    sentence per field: a translator words each field inside its sentence)."""
    ai = re.search(r"AI \((\d{2,4})\)", detail)
    if ai is None:
        return msg("Could not read this GS1 label. Scan it again, or type the SKU.")
    code = ai.group(1)
    said = {
        "00": msg(
            "The SSCC on this GS1 label does not read. Scan it again, or type the SKU and enter the details by hand."
        ),
        "01": msg(
            "The GTIN on this GS1 label does not read. Scan it again, or type the SKU and enter the details by hand."
        ),
        "10": msg(
            "The lot on this GS1 label does not read. Scan it again, or type the SKU and enter the details by hand."
        ),
        "11": msg(
            "The production date on this GS1 label does not read. Scan it again, or type the SKU and enter the details by hand."
        ),
        "15": msg(
            "The best-before date on this GS1 label does not read. Scan it again, or type the SKU and enter the details by hand."
        ),
        "17": msg(
            "The expiry date on this GS1 label does not read. Scan it again, or type the SKU and enter the details by hand."
        ),
        "21": msg(
            "The serial number on this GS1 label does not read. Scan it again, or type the SKU and enter the details by hand."
        ),
        "37": msg(
            "The count on this GS1 label does not read. Scan it again, or type the SKU and enter the details by hand."
        ),
    }
    said["02"] = said["01"]  # a GTIN either way
    return said.get(code) or msg(
        "The field ({ai}) on this GS1 label does not read. Scan it again, or type the SKU and enter the details by hand.",
        ai=code,
    )


def _value(fields, ai: str) -> str | None:
    return fields[ai].value if ai in fields else None


def gtin_candidates(code: str) -> set[str]:
    """A GTIN may be printed as 8, 12, 13 or 14 digits with leading zeros; try each."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return {code}
    core = code.lstrip("0")
    return {code} | {core.zfill(n) for n in (8, 12, 13, 14) if len(core) <= n}


# Built once: building a statement per scan cost more Python time than running it.
_BY_SKU = select(Product).where(Product.sku == bindparam("code"))


def find_product(code: str) -> Product | None:
    return find_product_and_pack(code)[0]


def find_product_and_pack(code: str) -> tuple[Product | None, int]:
    """By SKU (one unit), else by barcode (its pack quantity): two indexed lookups (an OR
    across a join scans every product)."""
    product = db.session.scalar(_BY_SKU, {"code": code})
    if product is not None:
        return product, 1
    found = db.session.execute(
        select(Product, ProductBarcode.pack_qty)
        .join(ProductBarcode)
        .where(ProductBarcode.code.in_(gtin_candidates(code)))
        .limit(1)
    ).first()
    return (found[0], found[1]) if found else (None, 1)


def find_bin(code: str, location_id: int | None) -> Bin | None:
    """A bin by its label barcode (unique everywhere) or by code at the operator's location."""
    clauses = [Bin.barcode == code]
    if location_id is not None:
        clauses.append((Bin.code == code) & (Bin.location_id == location_id))
    return db.session.scalar(select(Bin).where(or_(*clauses)).limit(1))
