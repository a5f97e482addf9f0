"""What every floor screen checks before it shows anything."""

from flask import redirect, url_for
from flask_login import current_user


def needs_location():
    """Floor screens work at the operator's location; ask for it first."""
    if current_user.location_id is None:
        return redirect(url_for("floor.home"))
    return None
