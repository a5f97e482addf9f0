"""Placeholder until the alerts pages land (issue 6)."""
from ...models import Role
from ..htmx import render
from ..security import requires
from . import bp


@bp.get("/")
@requires(Role.SUPERVISOR)
def index():
    return render("alerts/index.html", "alerts/index.html")
