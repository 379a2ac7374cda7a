"""The progress lookup form (N-5.6a/d): the receipt number and the last four characters of
the ID number or of the phone number. Whether they match is the query's business
(``Case.objects.for_lookup``); the form only collects them."""

from django import forms
from django.utils.translation import gettext_lazy as _


class _Unechoed(forms.TextInput):
    """A text box that is always rendered empty: the four characters are never written
    back into a page (a kiosk's next user, a shoulder, the browser's cache)."""

    def format_value(self, value):
        return None


_PLAIN = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}


class LookupForm(forms.Form):
    number = forms.CharField(
        label=_("Receipt number"),
        max_length=40,
        help_text=_("As printed on your acceptance receipt, for example SL-O1-2026-000012."),
        widget=forms.TextInput(attrs=_PLAIN),
    )
    last4 = forms.CharField(
        label=_("Last 4 characters of the ID number or of the phone number"),
        min_length=4,
        max_length=4,
        help_text=_("The ID number or credit code, or the phone number you gave us."),
        widget=_Unechoed(attrs={**_PLAIN, "size": 6}),
    )
