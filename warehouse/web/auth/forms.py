from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..filters import clean_text


class SignInForm(FlaskForm):
    username = StringField(
        "Username", filters=[clean_text], validators=[DataRequired("Enter your username."), Length(max=64)]
    )
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=200)])
    next = HiddenField()


class BadgeForm(FlaskForm):
    badge = StringField(
        "Badge", filters=[clean_text], validators=[DataRequired("Scan your badge."), Length(max=64)]
    )
    pin = PasswordField("PIN", filters=[clean_text], validators=[Length(max=32)])
