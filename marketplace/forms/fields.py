"""Form fields shared by several forms."""
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField

from ..services.pilots.amounts import NotAnAmount, parse_amount


class AmountField(DecimalField):
    """An amount in euro, typed as people write it: 25000, 25 000, 25.000,50 or 25,000.50."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_amount(valuelist[0])
        except NotAnAmount:
            self.data = None
            raise ValueError(_l("Enter an amount in figures, like 25000 or 25.000,50.")) from None
