"""The device API under /api/; described by openapi.py, which reads these patterns."""

from django.urls import path

from . import api

app_name = "devices"

urlpatterns = [
    path("health", api.health, name="health"),
    path("schema.json", api.schema, name="schema"),
    path("queues", api.queues, name="queues"),
    path("tickets", api.issue_ticket, name="issue-ticket"),
    path("tickets/<str:follow_token>", api.ticket, name="ticket"),
    path("display", api.display, name="display"),
    path("window", api.window, name="window"),
    path("window/call-next", api.call_next, name="window-call-next"),
    path("window/recall", api.recall, name="window-recall"),
    path("window/skip", api.skip, name="window-skip"),
    path("window/start", api.start, name="window-start"),
    path("window/finish", api.finish, name="window-finish"),
    path("window/transfer", api.transfer, name="window-transfer"),
]
