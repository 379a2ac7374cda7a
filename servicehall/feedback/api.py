"""The telephone system posts the client's rating after a call (N-6.1 voice service,
P-W26): ``POST /feedback/api/call-rating`` with its device token (kind "telephone system").

Body: ``{"call_ref": "...", "staff_no": "A001", "level": 1..5, "dimensions": {...},
"reasons": [...], "comment": "...", "item": "<service item code>"}`` (only the first three
required). One rating per call reference and unit: a second answers 409.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from servicehall.catalogue.models import ServiceItem
from servicehall.devices.auth import Conflict, endpoint, json_body, json_response
from servicehall.devices.choices import DeviceKind

from . import actions
from .choices import RatingChannel
from .subjects import rated_call

FIELDS = {"call_ref", "staff_no", "level", "dimensions", "reasons", "comment", "item"}


def _text(data: dict, name: str, *, required: bool = False, limit: int = 64) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise ValidationError({name: [_("This field has the wrong type.")]})
    if "\x00" in value:  # PostgreSQL stores no NUL in text
        raise ValidationError({name: [_("Null characters are not allowed.")]})
    value = value.strip()
    if required and not value:
        raise ValidationError({name: [_("This field is required.")]})
    if len(value) > limit:
        raise ValidationError({name: [_("This value is too long.")]})
    return value


@endpoint("POST", kinds=(DeviceKind.PHONE_SYSTEM,))
def call_rating(request):
    data = json_body(request)
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field is unknown here.")] for name in unknown})
    level = data.get("level")
    if not isinstance(level, int) or isinstance(level, bool):
        raise ValidationError({"level": [_("Choose a level from 1 to 5.")]})
    dimensions = data.get("dimensions") or {}
    reasons = data.get("reasons") or []
    if not isinstance(dimensions, dict):
        raise ValidationError({"dimensions": [_("This field has the wrong type.")]})
    if not isinstance(reasons, list):
        raise ValidationError({"reasons": [_("This field has the wrong type.")]})
    item = None
    item_code = _text(data, "item", limit=32)
    if item_code:
        item = ServiceItem.objects.filter(code=item_code).first()
        if item is None:
            raise ValidationError({"item": [_("No service item has this code.")]})
    rated = rated_call(
        request.device.unit,
        call_ref=_text(data, "call_ref", required=True),
        staff_no=_text(data, "staff_no", limit=16),
        item=item,
    )
    try:
        rating = actions.submit_rating(
            None, rated, channel=RatingChannel.PHONE, level=level, dimensions=dimensions,
            reasons=reasons, comment=_text(data, "comment", limit=500),
            device=request.device,
        )  # fmt: skip
    except actions.FeedbackError as error:
        if getattr(error, "code", None) == "rated":
            raise Conflict("rated", " ".join(error.messages)) from None
        raise
    rectification = getattr(rating, "rectification", None) if not rating.good else None
    return json_response(
        {
            "rating": rating.pk,
            "level": rating.level,
            "good": rating.good,
            "staff_no": rating.staff_no,
            "rectification": rectification.pk if rectification else None,
        },
        201,
    )
