from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..filters import clean_text


class SignInForm(FlaskForm):
    username = StringField(
        _l("Username"),
        filters=[clean_text],
        validators=[DataRequired(_l("Enter your username.")), Length(max=64)],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=200)]
    )
    next = HiddenField()


class BadgeForm(FlaskForm):
    badge = StringField(
        _l("Badge"), filters=[clean_text], validators=[DataRequired(_l("Scan your badge.")), Length(max=64)]
    )
    pin = PasswordField(_l("PIN"), filters=[clean_text], validators=[Length(max=32)])
