"""The OpenAPI 3.1 document of the device API (served at /api/schema.json).

Paths, methods and the device kinds allowed come from the URL patterns and the views
themselves (``auth.endpoint`` marks each view), so they cannot drift from the code: those
of ``devices.urls`` and the device endpoints other apps serve (``ELSEWHERE``, by URL
name, e.g. the telephone system's call rating in ``feedback``); each
operation's words and JSON Schemas (2020-12, as OpenAPI 3.1 uses) are declared below. The
tests check that every URL pattern is described and that every response they see
validates against this document.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from django.urls import resolve, reverse

from servicehall.catalogue.choices import ClientType
from servicehall.feedback.choices import DIMENSIONS, BadReason, Level, Mode
from servicehall.org.choices import CommitmentLevel
from servicehall.queueing.choices import Priority, TicketStatus, WindowStatus

from .choices import DeviceKind

TITLE = "ServiceHall device API"
VERSION = "1.0.0"
SECURITY_SCHEME = "deviceToken"
ERROR_CODES = [
    "invalid", "unauthorized", "forbidden", "not_found", "method_not_allowed",
    "conflict", "window_unattended", "rated",
]  # fmt: skip


# --- JSON Schema helpers -----------------------------------------------------------------------


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def string(**extra) -> dict:
    return {"type": "string", **extra}


def integer(**extra) -> dict:
    return {"type": "integer", **extra}


def moment() -> dict:
    return string(format="date-time")


def nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def obj(properties: dict, *, optional: tuple[str, ...] = (), **extra) -> dict:
    """An object with exactly these properties; all required but ``optional``."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
        **extra,
    }


def _values(choices) -> list:
    return [str(value) if isinstance(value, str) else value for value in choices.values]


# --- schemas -------------------------------------------------------------------------------------

TICKET = {
    "code": string(description="The ticket number shown and called, e.g. A001.", examples=["A001"]),
    "queue": string(pattern="^[A-Z]$", description="The queue's letter."),
    "queue_name": string(),
    "status": string(enum=_values(TicketStatus)),
    "status_label": string(description="The status in the request's language."),
    "priority": integer(
        enum=_values(Priority),
        description="Priority class: 0 green channel, 1 appointment, 2 normal (called first "
        "by class, then by issue time).",
    ),
    "issued_at": moment(),
    "called_at": nullable(moment()),
    "window": nullable(integer(description="The window that called the ticket.")),
    "target_window": nullable(integer(description="The window the ticket was transferred to.")),
    "recalls": integer(minimum=0),
    "ahead": nullable(integer(minimum=0, description="Waiting tickets called before it.")),
    "estimated_wait_minutes": nullable(
        integer(minimum=0, description="Null while no window serving its queue is open.")
    ),
}

WINDOW = obj(
    {
        "number": integer(),
        "name": string(),
        "status": string(enum=_values(WindowStatus)),
        "status_label": string(),
        "clerk": nullable(
            obj(
                {
                    "staff_no": string(description="工号, shown to clients (N-3.1)."),
                    "name": string(),
                }
            )
        ),
        "current": nullable(string(description="The ticket at the window, called or served.")),
    }
)

BAD_REASONS = (
    "For a bad rating (1 or 2), the reasons picked; optional on the telephone, ignored for "
    "a good one."
)

SCHEMAS: dict[str, dict] = {
    "Error": obj(
        {
            "error": string(enum=ERROR_CODES),
            "message": string(description="In the request's language (Accept-Language)."),
            "fields": {
                "type": "object",
                "additionalProperties": array(string()),
                "description": "Messages per request field.",
            },
        },
        optional=("fields",),
    ),
    "Health": obj({"status": string(const="ok")}),
    "Ticket": obj(TICKET),
    "IssuedTicket": obj(
        {
            **TICKET,
            "follow_token": string(
                description="Follows the ticket: GET /api/tickets/{follow_token}; print it "
                "as the ticket's QR code."
            ),
        }
    ),
    "TicketRequest": obj(
        {
            "queue": string(pattern="^[A-Z]$", description="The letter of a queue of the hall."),
            "client_type": string(enum=_values(ClientType)),
            "item": string(maxLength=32, description="A service item code, when known."),
        },
        optional=("item",),
    ),
    "QueueList": obj(
        {
            "queues": array(
                obj(
                    {
                        "queue": string(pattern="^[A-Z]$"),
                        "name": string(),
                        "waiting": integer(minimum=0),
                        "estimated_wait_minutes": nullable(integer(minimum=0)),
                        "items": array(obj({"code": string(), "name": string()})),
                    }
                )
            )
        }
    ),
    "Display": obj(
        {
            "unit": string(),
            "service_day": string(format="date"),
            "queues": array(
                obj({"queue": string(pattern="^[A-Z]$"), "name": string(), "waiting": integer()})
            ),
            "calls": array(
                obj(
                    {
                        "id": integer(description="The live event's id."),
                        "at": moment(),
                        "ticket": string(),
                        "window": integer(),
                        "window_name": string(),
                        "staff_no": string(),
                        "recall": {"type": "boolean"},
                    }
                )
            ),
            "commitments": array(
                obj({"level": string(enum=_values(CommitmentLevel)), "text": string()})
            ),
            "last_event": integer(
                minimum=0, description="Resume the live event stream after this id."
            ),
            "window": nullable(ref("Window")),
        }
    ),
    "Window": WINDOW,
    "WindowView": obj({"window": ref("Window")}),
    "WindowResult": obj(
        {
            "ticket": nullable(ref("Ticket")),
            "window": ref("Window"),
        },
        description="The ticket the action concerned (null when nobody waits) and the window.",
    ),
    "TransferRequest": obj(
        {
            "reason": string(minLength=1, maxLength=200),
            "to_queue": string(pattern="^[A-Z]$"),
            "to_window": integer(minimum=1, maximum=999),
        },
        optional=("to_queue", "to_window"),
        oneOf=[{"required": ["to_queue"]}, {"required": ["to_window"]}],
    ),
    "CallRatingRequest": obj(
        {
            "call_ref": string(
                minLength=1,
                maxLength=64,
                description="The telephone system's own reference of the call; one rating "
                "per reference and unit.",
            ),
            "staff_no": string(
                maxLength=16, description="工号 of the staff member who answered (N-3.1)."
            ),
            "level": integer(
                enum=_values(Level), description="5 非常满意 … 1 非常不满意; 3 to 5 count as good."
            ),
            "dimensions": nullable(
                obj(
                    {
                        str(code): nullable(integer(enum=_values(Level)))
                        for code in DIMENSIONS[Mode.ON_SITE]
                    },
                    optional=tuple(str(code) for code in DIMENSIONS[Mode.ON_SITE]),
                    description="The dimensions of a service rated on site, each 1 to 5.",
                )
            ),
            "reasons": nullable(
                array(string(enum=_values(BadReason))) | {"description": BAD_REASONS}
            ),
            "comment": string(maxLength=500),
            "item": string(maxLength=32, description="A service item code, when known."),
        },
        optional=("staff_no", "dimensions", "reasons", "comment", "item"),
    ),
    "CallRating": obj(
        {
            "rating": integer(description="The rating's id."),
            "level": integer(enum=_values(Level)),
            "good": {"type": "boolean"},
            "staff_no": string(),
            "rectification": nullable(
                integer(
                    description="The rectification (差评整改) a bad rating opened, assigned "
                    "to the staff member who answered."
                )
            ),
        }
    ),
}

ERRORS = {
    400: ("Invalid", "The request is malformed or names what this hall does not have; nothing "
                     "changed."),
    401: ("Unauthorized", "No device token, or one that is unknown or revoked."),
    403: ("Forbidden", "This device's kind, unit or window does not allow it."),
    404: ("NotFound", "Not found in this device's unit."),
    409: ("Conflict", "The hall's state does not allow it now (error conflict), nobody "
                      "works at the window (error window_unattended), or the call is already "
                      "rated (error rated); nothing changed."),
}  # fmt: skip


# --- operations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """What the document says about one URL pattern (named as in ``devices.urls``)."""

    tag: str
    summary: str
    ok: tuple[int, str | None]  # status, schema name (None: any JSON object)
    request: str | None = None
    errors: tuple[int, ...] = ()
    description: str = ""
    parameters: dict[str, str] = field(default_factory=dict)


def _window_action(summary: str, description: str) -> Operation:
    return Operation(
        "counter terminals", summary, (200, "WindowResult"), errors=(400, 409),
        description=description + " Acts as the clerk who opened the terminal's window.",
    )  # fmt: skip


OPERATIONS: dict[str, Operation] = {
    "health": Operation("service", "Is the server up", (200, "Health")),
    "schema": Operation("service", "This OpenAPI document", (200, None)),
    "queues": Operation(
        "kiosks and telephone",
        "Queues to choose from",
        (200, "QueueList"),
        description="The hall's queues, their service items, how many wait and the estimated "
        "wait of a ticket taken now.",
    ),
    "issue-ticket": Operation(
        "kiosks and telephone",
        "Issue a ticket",
        (201, "IssuedTicket"),
        request="TicketRequest",
        errors=(400, 409),
        description="Numbered per unit, queue and day. A kiosk issues kiosk tickets, the "
        "telephone system tickets for a telephone booking; the green channel is granted by "
        "staff only. The Location header is the ticket's status URL.",
    ),
    "ticket": Operation(
        "kiosks and telephone",
        "A ticket's status",
        (200, "Ticket"),
        errors=(404,),
        parameters={"follow_token": "The ticket's follow code (its QR code)."},
    ),
    "display": Operation(
        "displays",
        "What the hall display shows",
        (200, "Display"),
        description="Latest calls, waiting counts, the commitments (N-4.2); for a display "
        "placed at a window, that window too.",
    ),
    "window": Operation(
        "counter terminals",
        "The device's window",
        (200, "WindowView"),
        description="For counter terminals and rating pads placed at a window.",
    ),
    "window-call-next": _window_action(
        "Call the next client",
        "Priority class, then issue time (N-2.3); ticket null when nobody waits.",
    ),
    "window-recall": _window_action("Call the current client again", "重呼."),
    "window-skip": _window_action(
        "The called client did not come", "After the unit's number of recalls."
    ),
    "window-start": _window_action("Start serving the called client", ""),
    "window-finish": _window_action("Finish serving the current client", ""),
    "window-transfer": Operation(
        "counter terminals",
        "Transfer the current client",
        (200, "WindowResult"),
        request="TransferRequest",
        errors=(400, 409),
        description="To another queue or window, with the reason; the client keeps their "
        "place (P-W18).",
    ),
    "call-rating": Operation(
        "kiosks and telephone",
        "Rate a call",
        (201, "CallRating"),
        request="CallRatingRequest",
        errors=(400, 409),
        description="The client's rating after a call (N-6.1 voice service, P-W26), bound to "
        "the call's reference, the 工号 and the item; a bad one opens a rectification. A call "
        "is rated once: a second rating answers 409 with error rated.",
    ),
}

#: Device endpoints served by other apps, by operation name: their URL names.
ELSEWHERE = {"call-rating": "feedback:api-call-rating"}


# --- building the document ---------------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def openapi_path(prefix: str, route: str) -> str:
    """``tickets/<str:follow_token>`` under ``/api/`` → ``/api/tickets/{follow_token}``."""
    return prefix + _CONVERTER.sub(lambda m: "{" + m["name"] + "}", route)


def _json(schema: dict | None) -> dict:
    return {"application/json": {"schema": schema if schema is not None else {"type": "object"}}}


def _operation(name: str, view, route: str) -> tuple[str, dict]:
    described = OPERATIONS.get(name)
    if described is None or not hasattr(view, "api_method"):
        raise LookupError(f"the API URL pattern {name!r} is not described in openapi.OPERATIONS")
    kinds = view.device_kinds
    status, schema = described.ok
    doc: dict = {
        "operationId": name.replace("-", "_"),
        "summary": described.summary,
        "tags": [described.tag],
        "parameters": [{"$ref": "#/components/parameters/AcceptLanguage"}],
        "responses": {str(status): {"description": described.summary, "content": _json(
            ref(schema) if schema else None)}},
    }  # fmt: skip
    description = described.description
    if kinds is None:
        doc["security"] = []
    else:
        doc["security"] = [{SECURITY_SCHEME: []}]
        doc["x-device-kinds"] = list(kinds)
        description = (description + f" Devices: {', '.join(kinds)}.").strip()
    if description:
        doc["description"] = description
    for match in _CONVERTER.finditer(route):
        doc["parameters"].append(
            {
                "name": match["name"],
                "in": "path",
                "required": True,
                "description": described.parameters.get(match["name"], ""),
                "schema": string(),
            }
        )
    if described.request:
        doc["requestBody"] = {"required": True, "content": _json(ref(described.request))}
    errors = set(described.errors) | ({401, 403} if kinds is not None else set())
    for code in sorted(errors):
        doc["responses"][str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
    return view.api_method.lower(), doc


@functools.cache
def build() -> dict:
    """The whole document."""
    from . import urls

    prefix = reverse("devices:health").removesuffix("health")
    paths: dict[str, dict] = {}
    for pattern in urls.urlpatterns:
        method, doc = _operation(pattern.name, pattern.callback, str(pattern.pattern))
        paths.setdefault(openapi_path(prefix, str(pattern.pattern)), {})[method] = doc
    for name, url_name in ELSEWHERE.items():
        match = resolve(reverse(url_name))
        method, doc = _operation(name, match.func, match.route)
        paths.setdefault(openapi_path("/", match.route), {})[method] = doc
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "For the hall's devices: kiosks, displays, rating pads, the telephone "
            "system and counter terminals. Each device authenticates with its own token "
            "(Authorization: Bearer), issued and revoked by an administrator, and acts only "
            "within its unit and the endpoints of its kind. Messages follow Accept-Language "
            "(zh-hans by default, or en). Device kinds: "
            + ", ".join(str(kind) for kind in DeviceKind.values)
            + ".",
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "responses": {
                name: {"description": text, "content": _json(ref("Error"))}
                for name, text in ERRORS.values()
            }
            | {
                "Unauthorized": {
                    "description": ERRORS[401][1],
                    "headers": {"WWW-Authenticate": {"schema": string()}},
                    "content": _json(ref("Error")),
                }
            },
            "parameters": {
                "AcceptLanguage": {
                    "name": "Accept-Language",
                    "in": "header",
                    "required": False,
                    "description": "zh-hans (the default) or en.",
                    "schema": string(),
                }
            },
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The device's token, shown once when an administrator "
                    "issues it.",
                }
            },
        },
    }
