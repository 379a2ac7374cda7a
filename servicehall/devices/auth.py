"""Device authentication and the wrapper every API view goes through.

A device sends ``Authorization: Bearer <token>``; nothing else authenticates to the API
(no session, no cookie), which is why its views are exempt from CSRF checks. The wrapper
checks the method, the token and the device's kind, and turns refusals into JSON errors
in the request's language (LocaleMiddleware reads Accept-Language; Chinese by default):
400 for a request that is malformed or names what does not exist, 409 for one that the
hall's state refuses (the queueing actions' HallError: no client at the window, a queue
out of service, ...). Either way nothing changed.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from servicehall.lib import rows
from servicehall.org.models import Window
from servicehall.queueing.actions import HallError

from .models import Device, hash_token

# ``last_seen_at`` is written at most this often, not on every request.
LAST_SEEN_EVERY = dt.timedelta(minutes=1)


class Unauthorized(Exception):
    """No token, or a token that is unknown or revoked (401)."""

    def __init__(self, message, *, invalid_token: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.invalid_token = invalid_token


class Conflict(Exception):
    """The request is valid but the hall's state does not allow it now (409)."""

    def __init__(self, code: str, message) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def json_response(data, status: int = 200, **kwargs) -> JsonResponse:
    return JsonResponse(
        data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}, **kwargs
    )


def error_response(status: int, code: str, message, fields: dict | None = None) -> JsonResponse:
    body = {"error": code, "message": str(message)}
    if fields:
        body["fields"] = {name: [str(text) for text in texts] for name, texts in fields.items()}
    return json_response(body, status)


# The device's fields that requests use; its token's hash and who issued it when stay
# deferred (read from the database if ever asked for): each value read is converted, the
# issue time from text on SQLite.
_REQUEST_FIELDS = ("unit", "kind", "name", "window", "revoked_at", "last_seen_at")


@functools.cache
def _device_sql() -> str:
    # Every request of a device runs this, so it is one statement written once: the ORM
    # took 0.5 ms to build and compile it, SQLite 0.03 ms to run it. The device and its
    # window (select_related); revoked_at is read on every request, so a revocation
    # refuses the very next one.
    return (
        f"SELECT {rows.columns(Device, 'd', _REQUEST_FIELDS)}, {rows.columns(Window, 'w')} "  # noqa: S608
        "FROM devices_device d LEFT JOIN org_window w ON w.id = d.window_id "
        "WHERE d.token_hash = %s AND d.revoked_at IS NULL"
    )


def _active_device(token: str) -> Device | None:
    conn = rows.connection()
    row = rows.fetchone(_device_sql(), [hash_token(token)], conn)
    if row is None:
        return None
    device, window = rows.instances(row, (Device, _REQUEST_FIELDS), Window, conn=conn)
    rows.attach(device, "window", window)
    return device


def authenticate(request: HttpRequest) -> Device:
    """The active device whose token the request carries, or Unauthorized."""
    # META, not request.headers, which builds a dictionary of all the headers first.
    scheme, _space, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            _("Authenticate with the device's token: Authorization: Bearer <token>.")
        )
    device = _active_device(token.strip())
    if device is None:
        raise Unauthorized(
            _("This device token is unknown or has been revoked."), invalid_token=True
        )
    now = timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at >= LAST_SEEN_EVERY:
        # Not an action: when a device was last heard from is operating data, not a
        # change of the hall, and is not recorded in the ledger.
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
    return device


def json_body(request: HttpRequest) -> dict:
    """The request's JSON object; an empty body is an empty object."""
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(_("The request body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ValidationError(_("The request body must be a JSON object."))
    return data


def _validation_response(error: ValidationError) -> JsonResponse:
    if hasattr(error, "error_dict"):
        fields = error.message_dict
        messages = [text for texts in fields.values() for text in texts]
        return error_response(400, "invalid", messages[0], fields)
    return error_response(400, "invalid", " ".join(str(text) for text in error.messages))


def _permission_message(error: PermissionDenied):
    return str(error) or _("This device may not do that.")


def endpoint(method: str, *, kinds: Iterable[str] | None = None) -> Callable:
    """Make ``view`` an API endpoint for ``method``; with ``kinds``, only devices of those
    kinds may call it (``request.device`` is the device). ``kinds=None``: public."""
    allowed = None if kinds is None else tuple(kinds)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, **kwargs):
            if request.method != method:
                response = error_response(
                    405, "method_not_allowed", _("Use {method} here.").format(method=method)
                )
                response["Allow"] = method
                return response
            try:
                if allowed is not None:
                    request.device = authenticate(request)
                    if request.device.kind not in allowed:
                        raise PermissionDenied(
                            _("A device of this kind ({kind}) may not use this endpoint.").format(
                                kind=request.device.get_kind_display()
                            )
                        )
                return view(request, **kwargs)
            except Unauthorized as error:
                response = error_response(401, "unauthorized", error.message)
                response["WWW-Authenticate"] = (
                    'Bearer error="invalid_token"' if error.invalid_token else "Bearer"
                )
                return response
            except PermissionDenied as error:
                return error_response(403, "forbidden", _permission_message(error))
            except Http404:
                return error_response(404, "not_found", _("Not found."))
            except Conflict as error:
                return error_response(409, error.code, error.message)
            except HallError as error:
                return error_response(409, "conflict", " ".join(error.messages))
            except ValidationError as error:
                return _validation_response(error)

        wrapper = csrf_exempt(wrapper)
        # Read by the OpenAPI builder, so the schema says what the code does.
        wrapper.api_method = method
        wrapper.device_kinds = allowed
        return wrapper

    return decorate
