"""The portal's online application form (网上申请, N-1.2). It only collects; the action
(``actions.submit_online``) checks the item, the office, the numbers and the materials,
and its errors are put back on the fields they name."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from servicehall.catalogue.models import Material, ServiceItemVersion
from servicehall.org.models import Unit

from .actions import NOTE_MAX, ApplicantDetails
from .choices import ApplicantKind
from .forms import _material_choices, _picked
from .online import offices_for

_PLAIN = {"autocomplete": "off", "spellcheck": "false"}


class OfficeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} · {obj.address}" if obj.address else obj.name


class ApplyForm(forms.Form):
    office = OfficeChoiceField(
        label=_("Service office"), queryset=Unit.objects.none(),
        empty_label=_("Choose the office that handles your application"),
    )  # fmt: skip
    kind = forms.ChoiceField(
        label=_("Applicant"), choices=ApplicantKind.choices, widget=forms.RadioSelect,
        initial=ApplicantKind.PERSON,
    )  # fmt: skip
    name = forms.CharField(label=_("Name (person or employer)"), max_length=100)
    id_number = forms.CharField(
        label=_("ID number or unified social credit code"), max_length=40,
        widget=forms.TextInput(attrs=_PLAIN),
    )  # fmt: skip
    phone = forms.CharField(
        label=_("Phone number"), max_length=24,
        help_text=_("The office calls this number about your application."),
        widget=forms.TextInput(attrs={**_PLAIN, "inputmode": "tel"}),
    )  # fmt: skip
    declared = forms.MultipleChoiceField(
        label=_("Materials you have"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Bring the originals when the office asks: they are checked at acceptance."),
    )  # fmt: skip
    not_applicable = forms.MultipleChoiceField(
        label=_("Materials that do not apply to you"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    note = forms.CharField(
        label=_("Note to the office (optional)"), required=False, max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args, version: ServiceItemVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        self.fields["office"].queryset = offices_for(version)
        self.listed: list[Material] = list(version.materials.order_by("order", "pk"))
        self.fields["declared"].choices = _material_choices(self.listed)
        # Only a conditional material may not apply (N-5.6c): a required one is had or not.
        self.fields["not_applicable"].choices = _material_choices(
            [material for material in self.listed if material.is_conditional]
        )

    def applicant(self) -> ApplicantDetails:
        data = self.cleaned_data
        return ApplicantDetails(
            kind=data["kind"], name=data["name"], id_number=data["id_number"],
            phone=data["phone"],
        )  # fmt: skip

    def declared_materials(self) -> tuple[Material, ...]:
        return tuple(_picked(self.listed, self.cleaned_data["declared"]))

    def spared(self) -> tuple[Material, ...]:
        return tuple(_picked(self.listed, self.cleaned_data["not_applicable"]))
