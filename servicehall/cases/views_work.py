"""The work lists (不积压, N-5.4): my cases, online applications waiting for acceptance, due
soon (yellow), overdue (red), waiting for a second review I may do, escalations waiting for
me; and for the head on duty the unit's backlog by stage. Each list is one query on the
indexed stage and deadline columns (``worklists``); the counts on the tabs are one query
each, whatever the lists' length."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from servicehall.org.calendar import calendar_for

from . import worklists
from .views_counter import require_counter_staff

TABS = {
    "mine": _("My cases"),
    "online": _("Online applications waiting for acceptance"),
    "soon": _("Due soon (yellow)"),
    "overdue": _("Overdue (red)"),
    "second": _("Waiting for my second review"),
    "escalations": _("Escalations waiting for me"),
    "backlog": _("Backlog of the unit"),
}


def _lists(user, now) -> dict:
    lists = {
        "mine": worklists.mine(user),
        "online": worklists.online_waiting(user),
        "soon": worklists.due_soon(user, now),
        "overdue": worklists.overdue(user, now),
        "second": worklists.second_reviews(user),
    }
    if worklists.is_head(user):
        lists["escalations"] = worklists.escalations_waiting(user)
    return lists


@never_cache
@login_required
def work(request, tab: str = "mine"):
    user = request.user
    require_counter_staff(user)
    head = worklists.is_head(user)
    if tab not in TABS or (tab in ("escalations", "backlog") and not head):
        raise Http404
    now = timezone.now()
    lists = _lists(user, now)
    tabs = [
        {"code": code, "label": label, "count": lists[code].count() if code in lists else None}
        for code, label in TABS.items()
        if code in lists or (code == "backlog" and head)
    ]
    context = {"tab": tab, "tabs": tabs, "title": TABS[tab], "is_head": head, "now": now}
    if tab == "backlog":
        context["backlog"] = worklists.backlog(user, now)
    elif tab == "escalations":
        context["escalations"] = list(lists["escalations"][: worklists.LIST_LIMIT])
    else:
        calendar = calendar_for(user.unit)
        rows = lists[tab][: worklists.LIST_LIMIT]
        context["cases"] = worklists.annotate_countdowns(rows, calendar, now)
        context["limit"] = worklists.LIST_LIMIT
    return render(request, "cases/work.html", context)
