"""The booking, lookup, kiosk and full-view forms. The numbers are checked by the actions
(one place for the rules); the forms only collect them."""

from django import forms
from django.utils.translation import gettext_lazy as _

from servicehall.catalogue.choices import ClientType
from servicehall.ledger.choices import AccessPurpose

_PLAIN = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}


class BookingForm(forms.Form):
    client_name = forms.CharField(label=_("Name (as on your ID card)"), max_length=60)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=24,
        help_text=_("18 characters; the last one may be X."),
        widget=forms.TextInput(attrs=_PLAIN),
    )
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    client_type = forms.ChoiceField(label=_("I am"), choices=ClientType.choices)

    def __init__(self, *args, client_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        if client_types:
            self.fields["client_type"].choices = [
                (value, label) for value, label in ClientType.choices if value in client_types
            ]


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Booking code"), max_length=12, widget=forms.TextInput(attrs=_PLAIN)
    )
    id_last4 = forms.CharField(
        label=_("Last 4 characters of the ID number"),
        max_length=6,
        widget=forms.TextInput(attrs=_PLAIN),
    )


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Booking code"),
        max_length=12,
        widget=forms.TextInput(attrs={**_PLAIN, "autofocus": True}),
    )


class FullViewForm(forms.Form):
    """Why the head on duty needs the full number (D-10); logged before it is shown."""

    field = forms.ChoiceField(
        choices=[("id_number", _("ID number")), ("mobile", _("Mobile number"))],
        widget=forms.HiddenInput,
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=[(v, label) for v, label in AccessPurpose.choices if v != AccessPurpose.EXPORT],
    )
