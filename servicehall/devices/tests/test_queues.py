"""GET /api/queues: what a kiosk offers: the hall's queues in service, their items, how
many wait and the estimated wait."""

from __future__ import annotations

from servicehall.catalogue.models import Category
from servicehall.catalogue.tests.conftest import make_item
from servicehall.queueing.actions import close_window, issue_ticket


def test_the_kiosk_lists_its_halls_queues_with_waiting_counts_and_items(api, hall):
    category = Category.objects.create(code="T", name="测试", order=1)
    card = make_item(hall.world.office, hall.world.unit_admin, "T-1", "社保卡申领", category)
    hall.queue_b.items.add(card.item)
    for _ in range(2):
        issue_ticket(queue=hall.queue_a, channel="kiosk", client_type="resident")
    issue_ticket(queue=hall.other_queue, channel="kiosk", client_type="resident")

    response = api.get("queues", token=hall.token("kiosk"))

    assert response.status_code == 200
    queues = {row["queue"]: row for row in response.json()["queues"]}
    assert list(queues) == ["A", "B"]
    assert (queues["A"]["name"], queues["A"]["waiting"], queues["A"]["items"]) == (
        "综合业务", 2, [],
    )  # fmt: skip
    assert queues["B"]["waiting"] == 0
    assert queues["B"]["items"] == [{"code": "T-1", "name": "社保卡申领"}]
    assert queues["A"]["estimated_wait_minutes"] >= 1


def test_no_estimate_while_no_window_serving_the_queue_is_open(api, hall):
    close_window(hall.world.clerk, hall.window1)
    close_window(hall.world.reviewer, hall.window2)

    queues = api.get("queues", token=hall.token("phone")).json()["queues"]

    assert [row["estimated_wait_minutes"] for row in queues] == [None, None]


def test_a_queue_out_of_service_is_not_offered(api, hall):
    hall.queue_b.active = False
    hall.queue_b.save(update_fields=["active"])

    queues = api.get("queues", token=hall.token("kiosk")).json()["queues"]

    assert [row["queue"] for row in queues] == ["A"]
