"""The API's request bodies, validated with Django forms so that every message is in the
request's language."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from servicehall.catalogue.choices import ClientType


class TicketRequest(forms.Form):
    queue = forms.RegexField(label=_("queue"), regex=r"^[A-Z]$", max_length=1)
    client_type = forms.ChoiceField(label=_("client type"), choices=ClientType.choices)
    item = forms.CharField(label=_("service item"), max_length=32, required=False)


class TransferRequest(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=200)
    to_queue = forms.RegexField(label=_("queue"), regex=r"^[A-Z]$", max_length=1, required=False)
    to_window = forms.IntegerField(label=_("window"), min_value=1, max_value=999, required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and bool(data.get("to_queue")) == (data.get("to_window") is not None):
            raise forms.ValidationError(_("Transfer to one queue or one window."))
        return data
