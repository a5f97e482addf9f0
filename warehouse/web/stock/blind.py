"""Who is blindfolded while bins are being counted: one rule for the pages, the floor and
the API. Operators do the counting, so operators do not see the on-hand of a bin in an
open or counting batch; supervisors and admins review counts against the ledger and see
everything."""

from warehouse import counts
from warehouse.accounts.models import Role


def blindfold_for(role: Role) -> counts.Blindfold:
    return counts.blindfold(Role(role) is Role.OPERATOR)
