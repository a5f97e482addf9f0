"""Placeholder until the reservations pages land (issue 6)."""
from ...models import Role
from ..htmx import render
from ..security import requires
from . import bp


@bp.get("/")
@requires(Role.SUPERVISOR)
def index():
    return render("reservations/index.html", "reservations/index.html")
