"""Forms of the evaluation pages (pad, link) and of the rectification steps."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DIMENSIONS, BadReason, Classification, Level

LEVELS = [(str(value), label) for value, label in Level.choices]


class RatingForm(forms.Form):
    """The level, the mode's dimensions, reasons for a bad rating, free text, and a number
    to be called back on (optional, kept encrypted)."""

    level = forms.TypedChoiceField(
        label=_("Overall"), choices=LEVELS, coerce=int, widget=forms.RadioSelect
    )
    reasons = forms.MultipleChoiceField(
        label=_("What went wrong? (for a bad rating)"),
        choices=BadReason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("Anything else you want to tell us"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    contact_phone = forms.CharField(
        label=_("Mobile number, if you want to be called back (optional)"),
        required=False,
        max_length=20,
    )

    def __init__(self, *args, mode: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.dimension_names = []
        for dimension in DIMENSIONS[mode]:
            name = f"dim_{dimension.value}"
            self.fields[name] = forms.TypedChoiceField(
                label=dimension.label, choices=[("", "—"), *LEVELS], coerce=int,
                required=False, empty_value=None, widget=forms.RadioSelect,
            )  # fmt: skip
            self.dimension_names.append(name)

    def dimension_fields(self):
        return [self[name] for name in self.dimension_names]

    def dimensions(self) -> dict:
        return {
            name.removeprefix("dim_"): self.cleaned_data[name]
            for name in self.dimension_names
            if self.cleaned_data.get(name)
        }


class PairForm(forms.Form):
    token = forms.CharField(
        label=_("Device token of the rating pad"),
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )


class ContactForm(forms.Form):
    note = forms.CharField(
        label=_("How the client was contacted, and what they said"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ClassifyForm(forms.Form):
    classification = forms.ChoiceField(
        label=_("Classification"),
        choices=[c for c in Classification.choices if c[0] != Classification.MISTAKEN],
        widget=forms.RadioSelect,
    )
    findings = forms.CharField(
        label=_("What the verification found"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the rating is mistaken or malicious (with the evidence)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MeasuresForm(forms.Form):
    measures = forms.CharField(
        label=_("Measures taken (or the explanation given)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FollowUpForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Is the client satisfied now?"),
        choices=[("yes", _("Satisfied")), ("no", _("Not satisfied"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("The client's answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision on the appeal"),
        choices=[("upheld", _("Uphold: set the rating aside")), ("rejected", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Reasons of the decision"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
