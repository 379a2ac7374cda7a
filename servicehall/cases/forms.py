"""The forms of the staff's case pages. They parse what was typed and ticked; the rules
(materials, authority, reasons required, separation of duties) are the actions' to check,
and their errors are put back on the fields they name (``attach_error``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from servicehall.catalogue.choices import ServiceChannel
from servicehall.catalogue.models import Material, ServiceItemVersion
from servicehall.org.models import User
from servicehall.queueing.choices import GreenReason

from .actions import ApplicantDetails
from .choices import ApplicantKind, Stage
from .worklists import COUNTER_ROLES

TEXTAREA = {"rows": 2}


def current_versions():
    return (
        ServiceItemVersion.objects.filter(item__current=F("pk"))
        .select_related("item")
        .order_by("category__order", "item__code")
    )


def colleagues(user, *, exclude=None):
    """Counter staff of the user's unit (for the agent and the hand-over)."""
    rows = User.objects.filter(
        unit_id=user.unit_id, role__in=COUNTER_ROLES, is_active=True
    ).order_by("staff_no")
    if exclude is not None:
        rows = rows.exclude(pk__in=[person.pk for person in exclude if person is not None])
    return rows


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


def _material_label(material: Material) -> str:
    if material.is_conditional:
        return str(_("{name} (only where it applies: {condition})")).format(
            name=material.name, condition=material.when_needed
        )
    return material.name


def _material_choices(materials) -> list[tuple[str, str]]:
    return [(str(material.pk), _material_label(material)) for material in materials]


def _picked(materials, keys) -> list[Material]:
    chosen = {int(key) for key in keys}
    return [material for material in materials if material.pk in chosen]


def attach_error(form: forms.Form, error: Exception) -> None:
    """Put an action's error on the form: on the field it names, else above the form."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    elif isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or _("You may not do that."))
    else:  # pragma: no cover - only the two kinds above reach here
        raise error


class ItemPickForm(forms.Form):
    """Step one of opening a case: which service item (the version in force)."""

    version = forms.ModelChoiceField(
        label=_("Service item"), queryset=ServiceItemVersion.objects.none(),
        empty_label=_("Choose the service item"),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = current_versions()


class DecisionForm(forms.Form):
    """What the clerk decides at acceptance (N-5.3): the materials received from the item's
    list, the conditional ones that do not apply, green channel, agent, and the fields of the
    three decisions: accept, ask for corrections with the one-time notice (N-5.6c), or do not
    accept with the rule and an explanation (N-2.1)."""

    materials = forms.MultipleChoiceField(
        label=_("Materials received"), required=False, widget=forms.CheckboxSelectMultiple
    )
    not_applicable = forms.MultipleChoiceField(
        label=_("Materials that do not apply to this client"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    green_reason = forms.ChoiceField(
        label=_("Green channel (N-5.4)"), required=False,
        choices=[("", _("No green channel"))] + GreenReason.choices,
    )  # fmt: skip
    agent = StaffChoiceField(
        label=_("Agent carrying the case for the client (全程代理, N-5.6b, optional)"),
        queryset=User.objects.none(), required=False, empty_label=_("No agent"),
    )  # fmt: skip
    return_place = forms.CharField(
        label=_("Where the client comes back with the materials"), max_length=200,
        required=False,
    )  # fmt: skip
    notes = forms.CharField(
        label=_("Notes on the one-time notice"), required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )  # fmt: skip
    rule = forms.CharField(label=_("Rule the refusal rests on"), max_length=300, required=False)
    explanation = forms.CharField(
        label=_("Explanation to the client"), required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )  # fmt: skip

    DECISIONS = ("accept", "correct", "refuse")

    def __init__(self, *args, user, listed: list[Material], **kwargs):
        super().__init__(*args, **kwargs)
        self.listed = listed
        self.fields["materials"].choices = _material_choices(listed)
        # Only a conditional material may not apply to a client (N-5.6c): a required one
        # is received or missing, and a missing one goes on the one-time notice.
        self.fields["not_applicable"].choices = _material_choices(
            [material for material in listed if material.is_conditional]
        )
        self.fields["agent"].queryset = colleagues(user)

    def received(self) -> list[Material]:
        return _picked(self.listed, self.cleaned_data["materials"])

    def spared(self) -> list[Material]:
        return _picked(self.listed, self.cleaned_data["not_applicable"])


class OpenCaseForm(DecisionForm):
    """Step two of opening a case at the counter: the applicant and the channel, then the
    decision."""

    kind = forms.ChoiceField(
        label=_("Applicant"), choices=ApplicantKind.choices, widget=forms.RadioSelect,
        initial=ApplicantKind.PERSON,
    )  # fmt: skip
    name = forms.CharField(label=_("Name (person or employer)"), max_length=100)
    id_number = forms.CharField(
        label=_("ID number or unified social credit code"), max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    phone = forms.CharField(
        label=_("Phone number (optional)"), max_length=24, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    channel = forms.ChoiceField(label=_("Channel"), choices=())

    def __init__(self, *args, user, version: ServiceItemVersion, ticket=None, **kwargs):
        super().__init__(
            *args, user=user, listed=list(version.materials.order_by("order", "pk")), **kwargs
        )
        self.version = version
        self.ticket = ticket
        if ticket is not None:
            self.fields["channel"].choices = [(ServiceChannel.ONSITE, ServiceChannel.ONSITE.label)]
            self.fields["channel"].initial = ServiceChannel.ONSITE
            self.fields["green_reason"].initial = ticket.green_reason
        else:
            self.fields["channel"].choices = [
                (code, ServiceChannel(code).label)
                for code in ServiceChannel.values
                if code in version.channels
            ]

    def applicant(self) -> ApplicantDetails:
        data = self.cleaned_data
        return ApplicantDetails(
            kind=data["kind"], name=data["name"], id_number=data["id_number"],
            phone=data["phone"],
        )  # fmt: skip


class TakeForm(DecisionForm):
    """A clerk takes an application submitted online (N-5.3, N-5.6a): the materials
    actually received (the originals checked), then the decision. The client's declaration
    is the starting point, not the record."""

    materials = forms.MultipleChoiceField(
        label=_("Materials received (originals checked)"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you need to act beyond your post"), widget=forms.Textarea(attrs=TEXTAREA)
    )


class ResumeForm(forms.Form):
    """The corrected materials the client brought back (N-5.6c)."""

    received = forms.MultipleChoiceField(
        label=_("Materials brought back"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, missing: list[Material], **kwargs):
        super().__init__(*args, **kwargs)
        self.missing = missing
        self.fields["received"].choices = _material_choices(missing)

    def materials(self) -> list[Material]:
        return _picked(self.missing, self.cleaned_data["received"])


class RefuseCorrectionForm(forms.Form):
    """A case still waiting for corrections, never accepted, is not accepted (N-2.1)."""

    rule = forms.CharField(label=_("Rule the refusal rests on"), max_length=300)
    explanation = forms.CharField(
        label=_("Explanation to the client"), widget=forms.Textarea(attrs=TEXTAREA)
    )


class FirstReviewForm(forms.Form):
    """初审: pass, or back to correction with the note and every missing material."""

    note = forms.CharField(
        label=_("Opinion (required when the case goes back)"), required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )  # fmt: skip
    missing = forms.MultipleChoiceField(
        label=_("Materials the client must bring again (when it goes back)"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    return_place = forms.CharField(
        label=_("Where the client comes back (when it goes back)"), max_length=200,
        required=False,
    )  # fmt: skip

    def __init__(self, *args, listed: list[Material], **kwargs):
        super().__init__(*args, **kwargs)
        self.listed = listed
        self.fields["missing"].choices = _material_choices(listed)

    def missing_materials(self) -> list[Material]:
        return _picked(self.listed, self.cleaned_data["missing"])


class SecondReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Opinion (required when the case goes back)"), required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )  # fmt: skip


class CompleteForm(forms.Form):
    rule = forms.CharField(
        label=_("Rule the refusal rests on (when refused)"), max_length=300, required=False
    )
    reason = forms.CharField(
        label=_("Reason given to the client (required when refused)"), required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )  # fmt: skip


class SendBackForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Back to"), choices=())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs=TEXTAREA))
    missing = forms.MultipleChoiceField(
        label=_("Materials the client must bring again (back to correction only)"),
        required=False, widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    return_place = forms.CharField(
        label=_("Where the client comes back (back to correction only)"), max_length=200,
        required=False,
    )  # fmt: skip

    def __init__(self, *args, stages: list[str], listed: list[Material], **kwargs):
        super().__init__(*args, **kwargs)
        self.listed = listed
        self.fields["to_stage"].choices = [(stage, Stage(stage).label) for stage in stages]
        self.fields["missing"].choices = _material_choices(listed)

    def missing_materials(self) -> list[Material]:
        return _picked(self.listed, self.cleaned_data["missing"])


class HandOverForm(forms.Form):
    """首问负责 (N-5.6a): a formal hand-over to a colleague, with the reason."""

    to = StaffChoiceField(
        label=_("Hand over to"), queryset=User.objects.none(), empty_label=_("Choose a colleague")
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, user, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = colleagues(user, exclude=[case.owner])


class DecisionForm(forms.Form):
    """The head on duty's answer to an escalation (N-3.4), always with a reason."""

    reason = forms.CharField(
        label=_("Reason for the decision"), widget=forms.Textarea(attrs=TEXTAREA)
    )


class FullViewForm(forms.Form):
    """Why a full number is shown (D-10); the view is logged before it is shown."""

    field = forms.ChoiceField(
        label=_("Number"),
        choices=[("id_number", _("ID number or credit code")), ("phone", _("Phone number"))],
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=())

    def __init__(self, *args, **kwargs):
        from servicehall.ledger.choices import AccessPurpose

        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = [
            (value, label)
            for value, label in AccessPurpose.choices
            if value != AccessPurpose.EXPORT
        ]
