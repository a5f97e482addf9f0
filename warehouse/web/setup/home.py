"""The setup home: what to set up, in order, and how far it has come."""

from warehouse.accounts.models import Role
from warehouse.setup import overview

from ..htmx import render
from ..security import requires
from . import bp


@bp.get("")
@requires(Role.ADMIN)
def index():
    return render("setup/index.html", "setup/index.html", counts=overview.counts())
