"""Forms read from a query string (list filters): WTForms' plain `Form`, since a GET
changes nothing and needs no CSRF token, but with WTForms' own messages ("Not a valid
choice.") in the page's language, as Flask-WTF gives every FlaskForm."""

from flask_wtf.i18n import translations
from wtforms import Form


class FilterForm(Form):
    class Meta:
        def get_translations(self, form):
            return translations
