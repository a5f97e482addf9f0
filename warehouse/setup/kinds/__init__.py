"""What each import kind reads and writes. Every kind has:

- `COLUMNS`: its columns (exported in this order; found in a file by name or synonym);
- `parse(cells) -> dict`: one row on its own (a JSON-able dict), or ValueError or a
  DomainError saying what to fix;
- `identity(row) -> [(twice, key)]`: what a row names that no other row of the file may
  name too (a SKU and its barcodes; a bin), to refuse the second row: `twice(first_row)`
  says so, a whole sentence naming it;
- `check(rows) -> [message or None]`: the parsed rows against the catalog and each other,
  writing nothing (the preview);
- `apply(rows, skip_bad=, actor_id=, reference=) -> [message or None]`: write the rows,
  inside the caller's transaction; without `skip_bad` the first bad row raises;
- `export() -> rows of cells`: the list as a file with the same columns, to edit and import.
"""

from warehouse.setup.kinds import bins, locations, policies, products, stock
from warehouse.setup.models import ImportKind

KINDS = {
    ImportKind.PRODUCTS: products,
    ImportKind.LOCATIONS: locations,
    ImportKind.BINS: bins,
    ImportKind.POLICIES: policies,
    ImportKind.STOCK: stock,
}
