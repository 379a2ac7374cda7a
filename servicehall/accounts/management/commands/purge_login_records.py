"""Delete login records older than the retention period (at least 180 days)."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from servicehall.accounts.models import LoginRecord


class Command(BaseCommand):
    help = "Delete login records older than LOGIN_RECORD_RETENTION_DAYS (never under 180)."

    def handle(self, *args, **options):
        days = max(settings.LOGIN_RECORD_RETENTION_DAYS, 180)
        cutoff = timezone.now() - dt.timedelta(days=days)
        deleted, _detail = LoginRecord.objects.filter(at__lt=cutoff).delete()
        self.stdout.write(f"deleted {deleted} login records older than {days} days")
