"""Forms that carry a key minted when they are rendered, so a double submit (a double
tap, a retried POST) is recognised by the service and written once."""

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Length, Optional, Regexp


def new_key() -> str:
    return secrets.token_urlsafe(16)


class KeyedForm(FlaskForm):
    key = HiddenField(validators=[Optional(), Length(max=64), Regexp(r"^[A-Za-z0-9_-]*$")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.key.data:
            self.key.data = new_key()
