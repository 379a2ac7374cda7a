"""The complaint forms: the public online form and tracking, the staff entry form and the
step forms. Forms only collect; the actions check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from servicehall.norms.choices import ClauseKind
from servicehall.norms.models import Clause
from servicehall.org.choices import Role, UnitKind
from servicehall.org.models import Unit, User
from servicehall.supervision.violations import AccountabilityMeasure

from .actions import CONTENT_MAX_LENGTH, TEXT_MAX_LENGTH
from .choices import STAFF_CHANNELS, Channel, Finding, Kind, ReplyMethod

_PLAIN = {"autocomplete": "off", "spellcheck": "false"}


class _Unechoed(forms.TextInput):
    """Never written back into a page (a shared computer, the browser's cache)."""

    def format_value(self, value):
        return None


class ClauseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Clause) -> str:
        return f"{obj.code} {obj.text_zh[:40]}"


def _clauses():
    return Clause.objects.filter(kind__in=[ClauseKind.NORM, ClauseKind.PROHIBITION]).order_by(
        "order"
    )


class _Identity(forms.Form):
    anonymous = forms.BooleanField(
        label=_("Submit anonymously"),
        required=False,
        help_text=_("Your name and ID number are then not recorded. You may still leave a "
                    "phone number for the reply."),
    )  # fmt: skip
    name = forms.CharField(label=_("Your name"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={**_PLAIN, "inputmode": "tel", "autocomplete": "tel"}),
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs=_PLAIN),
    )


class OnlineForm(_Identity):
    """The portal's complaint and suggestion form (网络投诉, N-6.1)."""

    unit = forms.ModelChoiceField(
        label=_("Service office concerned"),
        queryset=Unit.objects.filter(kind=UnitKind.OFFICE).order_by("path"),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, widget=forms.RadioSelect)
    content = forms.CharField(
        label=_("What happened, or what do you suggest?"),
        max_length=CONTENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("When and where; what was said or done."),
    )
    staff_no = forms.CharField(
        label=_("Staff no. (工号) of the staff member concerned, if you know it"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs=_PLAIN),
    )
    clause = ClauseChoice(
        label=_("Which norm or prohibition does it concern? (optional)"),
        queryset=Clause.objects.none(),
        required=False,
    )

    field_order = ["unit", "kind", "content", "staff_no", "clause", "anonymous", "name",
                   "phone", "id_number"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clause"].queryset = _clauses()


class EntryForm(_Identity):
    """Staff enter what came in through the box, the hotline, 12345 or opinion monitoring."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(value, label) for value, label in Channel.choices if value in STAFF_CHANNELS],
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, widget=forms.RadioSelect)
    content = forms.CharField(
        label=_("Content"), max_length=CONTENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6})
    )
    work_order_no = forms.CharField(
        label=_("12345 work-order number"), max_length=40, required=False
    )
    source = forms.CharField(
        label=_("Source (opinion monitoring: site, account, address)"),
        max_length=500,
        required=False,
    )
    staff_concerned = forms.ModelChoiceField(
        label=_("Staff member concerned"), queryset=User.objects.none(), required=False
    )
    clause = ClauseChoice(
        label=_("Clause or prohibition concerned"), queryset=Clause.objects.none(), required=False
    )

    field_order = ["channel", "kind", "content", "work_order_no", "source", "staff_concerned",
                   "clause", "anonymous", "name", "phone", "id_number"]  # fmt: skip

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff_concerned"].queryset = _staff(unit)
        self.fields["clause"].queryset = _clauses()


def _staff(unit):
    return User.objects.filter(
        unit=unit, role__in=[Role.CLERK, Role.HEAD_ON_DUTY], is_active=True
    ).order_by("staff_no", "username")


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("Tracking number"),
        max_length=40,
        help_text=_("As given when you submitted, for example TS-O1-2026-000012."),
        widget=forms.TextInput(attrs={**_PLAIN, "autocapitalize": "characters"}),
    )
    code = forms.CharField(
        label=_("Secret code"),
        max_length=20,
        widget=_Unechoed(attrs={**_PLAIN, "autocapitalize": "characters"}),
    )


# --- the step forms ------------------------------------------------------------------------


class AssignForm(forms.Form):
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=User.objects.none())

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        rows = _staff(complaint.unit_id)
        if complaint.staff_concerned_id:
            rows = rows.exclude(pk=complaint.staff_concerned_id)
        self.fields["handler"].queryset = rows


class AcceptForm(forms.Form):
    pass


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason it is not accepted"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReferForm(forms.Form):
    to_unit = forms.ModelChoiceField(
        label=_("Refer to a unit in the system"), queryset=Unit.objects.none(), required=False
    )
    to_name = forms.CharField(label=_("or another department"), max_length=100, required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = Unit.objects.exclude(pk=complaint.unit_id).order_by(
            "path"
        )


class InvestigateForm(forms.Form):
    finding = forms.ChoiceField(
        label=_("Finding"), choices=Finding.choices, widget=forms.RadioSelect
    )
    findings = forms.CharField(
        label=_("What the investigation found"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    clause = ClauseChoice(
        label=_("Clause or prohibition concerned"), queryset=Clause.objects.none(), required=False
    )
    staff_concerned = forms.ModelChoiceField(
        label=_("Staff member concerned"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clause"].queryset = _clauses()
        self.fields["staff_concerned"].queryset = _staff(complaint.unit_id)
        self.initial.setdefault("clause", complaint.clause_id)
        self.initial.setdefault("staff_concerned", complaint.staff_concerned_id)


class HandleForm(forms.Form):
    measures = forms.CharField(
        label=_("Measures taken"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ReplyForm(forms.Form):
    method = forms.ChoiceField(label=_("Reply given"), choices=ReplyMethod.choices)
    text = forms.CharField(
        label=_("Reply to the complainant"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The complainant reads it on the tracking page."),
    )


class ArchiveForm(forms.Form):
    pass


class ViolationForm(forms.Form):
    description = forms.CharField(
        label=_("What was found"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AccountabilityForm(forms.Form):
    measure = forms.ChoiceField(label=_("Measure"), choices=AccountabilityMeasure.choices)
    reason = forms.CharField(
        label=_("Reasons"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    decision_body = forms.CharField(
        label=_("Deciding body (if a meeting decided)"), max_length=100, required=False
    )


class ComplaintFilter(forms.Form):
    step = forms.CharField(required=False)
    overdue = forms.BooleanField(required=False)


class LimitsForm(forms.Form):
    accept_days = forms.IntegerField(label=_("Days to accept"), min_value=1, max_value=60)
    investigate_days = forms.IntegerField(label=_("Days to investigate"), min_value=1, max_value=60)
    handle_days = forms.IntegerField(label=_("Days to handle"), min_value=1, max_value=60)
    reply_days = forms.IntegerField(label=_("Days to reply"), min_value=1, max_value=60)
    archive_days = forms.IntegerField(label=_("Days to archive"), min_value=0, max_value=60)
