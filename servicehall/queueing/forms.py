"""Forms of the hall's pages. They parse what the user sent; the rules live in the actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from servicehall.catalogue.choices import ClientType
from servicehall.catalogue.models import ServiceItem
from servicehall.org.models import Window

from .choices import GreenReason, PauseReason
from .models import OpeningCheck, Queue, Ticket


def _verbose(field: str) -> str:
    return OpeningCheck._meta.get_field(field).verbose_name


class OpeningForm(forms.Form):
    """三提前 (N-5.1). Unticked items are refused by ``open_window`` with its own message."""

    systems_checked = forms.BooleanField(label=_verbose("systems_checked"), required=False)
    vouchers_ready = forms.BooleanField(label=_verbose("vouchers_ready"), required=False)
    at_post = forms.BooleanField(label=_verbose("at_post"), required=False)


class PauseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why"), choices=PauseReason.choices)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=120, initial=15)


class TransferForm(forms.Form):
    """One target: a queue of this hall (``q<id>``) or another of its windows (``w<id>``)."""

    target = forms.ChoiceField(label=_("Transfer to"))
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, window: Window, **kwargs):
        super().__init__(*args, **kwargs)
        self.queues = {
            f"q{q.pk}": q for q in Queue.objects.filter(unit_id=window.unit_id, active=True)
        }
        self.windows = {
            f"w{w.pk}": w
            for w in Window.objects.filter(unit_id=window.unit_id, active=True).exclude(
                pk=window.pk
            )
        }
        self.fields["target"].choices = [
            ("", _("Choose a queue or a window")),
            (_("Queues"), [(key, str(q)) for key, q in self.queues.items()]),
            (_("Windows"), [(key, str(w)) for key, w in self.windows.items()]),
        ]

    def destination(self) -> dict:
        """The keyword arguments of ``transfer`` for the chosen target."""
        key = self.cleaned_data["target"]
        if key in self.queues:
            return {"to_queue": self.queues[key]}
        return {"to_window": self.windows[key]}


class ChosenTicketChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Ticket) -> str:
        label = f"{obj.code} · {obj.queue.name}"
        if obj.green_reason:
            label += f" · {obj.get_green_reason_display()}"
        return label


class CallChosenForm(forms.Form):
    """Calling a chosen ticket out of order: only with a reason (D-13)."""

    ticket = ChosenTicketChoiceField(
        label=_("Ticket"), queryset=Ticket.objects.none(), empty_label=_("Choose a ticket")
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, window: Window, day, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket"].queryset = (
            Ticket.objects.filter(unit_id=window.unit_id, service_day=day, status="waiting")
            .select_related("queue")
            .order_by("queue__prefix", "priority", "issued_at", "id")
        )


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ServiceItem) -> str:
        return obj.current.name if obj.current_id else obj.code


def unit_queues(unit_id: int) -> list[Queue]:
    """The unit's queues in service, each with ``item_ids``: the items it names (none: all)."""
    queues = list(Queue.objects.filter(unit_id=unit_id, active=True).order_by("prefix"))
    links = Queue.items.through.objects.filter(queue__in=queues).values_list(
        "queue_id", "serviceitem_id"
    )
    named: dict[int, set[int]] = {}
    for queue_id, item_id in links:
        named.setdefault(queue_id, set()).add(item_id)
    for queue in queues:
        queue.item_ids = named.get(queue.pk, set())
    return queues


def served_items(queues: list[Queue]):
    """The published items these queues serve; a queue naming no items serves them all."""
    items = ServiceItem.objects.filter(current__isnull=False).select_related("current__category")
    if any(not q.item_ids for q in queues):
        return items
    return items.filter(pk__in={pk for q in queues for pk in q.item_ids})


def queue_for_item(queues: list[Queue], item: ServiceItem) -> Queue | None:
    """The queue that serves the item: the first naming it, else the first serving all."""
    named = [q for q in queues if item.pk in q.item_ids]
    general = [q for q in queues if not q.item_ids]
    return (named or general or [None])[0]


class _TicketForm(forms.Form):
    """The queue, or the item and the queue that serves it; the kind of client (N-1.1)."""

    queue = forms.ModelChoiceField(
        label=_("Queue"),
        queryset=Queue.objects.none(),
        to_field_name="prefix",
        required=False,
        empty_label=_("The queue of the service item"),
    )
    item = ItemChoiceField(
        label=_("Service item"),
        queryset=ServiceItem.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("Not known yet"),
    )
    client_type = forms.ChoiceField(label=_("Client type"), choices=ClientType.choices)

    def __init__(self, *args, queues: list[Queue], **kwargs):
        super().__init__(*args, **kwargs)
        self.queue_list = queues
        self.fields["queue"].queryset = Queue.objects.filter(pk__in=[q.pk for q in queues])
        self.fields["item"].queryset = served_items(queues).order_by(
            "current__category__order", "code"
        )

    def clean(self):
        data = super().clean()
        if not data.get("queue") and data.get("item"):
            data["queue"] = queue_for_item(self.queue_list, data["item"])
        if not data.get("queue") and not self.has_error("queue") and not self.has_error("item"):
            raise forms.ValidationError(_("Choose a service or a queue."))
        return data


class KioskTicketForm(_TicketForm):
    """A ticket taken at the kiosk: the queue, the item when chosen, the kind of client."""


class GuideTicketForm(_TicketForm):
    """A ticket issued by staff at the guidance desk, with the green channel when granted."""

    green_reason = forms.ChoiceField(
        label=_("Green channel (N-5.4)"),
        choices=[("", _("No: the normal order"))] + GreenReason.choices,
        required=False,
    )
