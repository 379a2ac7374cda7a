from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ClientType, Eligibility, ServiceChannel
from .models import ServiceItemVersion


class GuideSearchForm(forms.Form):
    q = forms.CharField(label=_("Search services"), required=False, max_length=40)
    category = forms.CharField(required=False, widget=forms.HiddenInput)
    client_type = forms.ChoiceField(
        label=_("I am"), required=False, choices=[("", _("Anyone"))] + ClientType.choices
    )


class ConsultationForm(forms.Form):
    version = forms.ModelChoiceField(
        label=_("Service item"),
        queryset=ServiceItemVersion.objects.none(),
        empty_label=_("Choose the item asked about"),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=ServiceChannel.choices)
    client_type = forms.ChoiceField(label=_("Client type"), choices=ClientType.choices)
    client_name = forms.CharField(
        label=_("Client's name (optional)"), required=False, max_length=60
    )
    question = forms.CharField(
        label=_("Question"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    eligibility = forms.ChoiceField(
        label=_("Does the request meet the conditions?"), choices=Eligibility.choices
    )
    explanation = forms.CharField(
        label=_("Explanation given to the client"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        from django.db.models import F

        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = (
            ServiceItemVersion.objects.filter(item__current=F("pk"))
            .select_related("item")
            .order_by("category__order", "item__code")
        )


class OneTimeNoticeForm(forms.Form):
    """The missing materials are ticked from the guide's list: no free-text material (D-09)."""

    missing = forms.MultipleChoiceField(
        label=_("Materials still missing"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    client_name = forms.CharField(
        label=_("Client's name (optional)"), required=False, max_length=60
    )
    return_place = forms.CharField(label=_("Where to come back"), max_length=200)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, version: ServiceItemVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        self.fields["missing"].choices = [
            (str(material.pk), material.name) for material in version.materials.all()
        ]

    def clean_missing(self):
        chosen = {int(pk) for pk in self.cleaned_data["missing"]}
        return list(self.version.materials.filter(pk__in=chosen))
