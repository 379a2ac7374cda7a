"""The devices' actions for the invariant test: each writes exactly one ledger entry."""

from servicehall.devices.choices import DeviceKind
from servicehall.devices.models import Device, hash_token
from servicehall.testing import Scenario

NOT_ACTIONS = {
    "servicehall.devices.actions.device_state": "the device's reconciler state",
}


def _issue(world, _prepared=None):
    from servicehall.devices.actions import issue_device

    return issue_device(world.unit_admin, unit=world.office, kind=DeviceKind.KIOSK, name="取号机")


def _revoke(world, issued):
    from servicehall.devices.actions import revoke_device

    return revoke_device(world.unit_admin, issued[0])


SCENARIOS = {
    "servicehall.devices.actions.issue_device": Scenario(
        prepare=lambda world: None,
        perform=_issue,
        changed=lambda world, _prepared, issued: Device.objects.filter(
            pk=issued[0].pk, unit=world.office, token_hash=hash_token(issued[1])
        ).exists(),
        event="devices.device_issued",
    ),
    "servicehall.devices.actions.revoke_device": Scenario(
        prepare=_issue,
        perform=_revoke,
        changed=lambda world, issued, _result: Device.objects.filter(
            pk=issued[0].pk, revoked_at__isnull=False, revoked_by=world.unit_admin
        ).exists(),
        event="devices.device_revoked",
    ),
}
