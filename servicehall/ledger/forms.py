from django import forms
from django.utils.translation import gettext_lazy as _

from servicehall.ledger.models import ExportRequest
from servicehall.ledger.registry import event_types


class EntryFilter(forms.Form):
    unit = forms.CharField(label=_("Unit code"), required=False)
    day = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    staff_no = forms.CharField(label=_("Staff number"), required=False)
    subject = forms.CharField(
        label=_("Subject"), required=False, help_text=_("type:id, e.g. org.dutyassignment:12")
    )
    event_type = forms.ChoiceField(label=_("Event type"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_type"].choices = [("", _("Any"))] + [
            (name, name) for name in sorted(event_types())
        ]

    def clean_subject(self) -> tuple[str, str] | None:
        value = self.cleaned_data["subject"].strip()
        if not value:
            return None
        subject_type, sep, subject_id = value.partition(":")
        if not sep or not subject_id:
            raise forms.ValidationError(_("Write the subject as type:id."))
        return subject_type, subject_id

    def apply(self, entries):
        data = self.cleaned_data
        if data.get("unit"):
            entries = entries.filter(unit__code=data["unit"])
        if data.get("day"):
            entries = entries.filter(at__date=data["day"])
        if data.get("staff_no"):
            entries = entries.filter(actor_staff_no=data["staff_no"])
        if data.get("subject"):
            entries = entries.filter(subject_type=data["subject"][0], subject_id=data["subject"][1])
        if data.get("event_type"):
            entries = entries.filter(event_type=data["event_type"])
        return entries


class AccessLogFilter(forms.Form):
    username = forms.CharField(label=_("User name"), required=False)
    subject = forms.CharField(label=_("Record"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ExportRequestForm(forms.ModelForm):
    class Meta:
        model = ExportRequest
        fields = ["description", "purpose"]
        labels = {"description": _("What is exported"), "purpose": _("Purpose")}
        help_texts = {
            "description": _("Which records and which fields, e.g. retirees of 2025, ID numbers."),
            "purpose": _("Why the data is needed and who will receive it."),
        }
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}


class ExportDecisionForm(forms.Form):
    """The security administrator's decision on one request: two buttons and a reason."""

    request_id = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
