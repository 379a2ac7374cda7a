"""Load the deterministic demo data (idempotent) and print the demo logins."""

from django.core.management.base import BaseCommand

from servicehall.portal.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo_data


class Command(BaseCommand):
    help = "Load the demo data: units, windows, posts, staff, roster, commitments, demo logins."

    def handle(self, *args, **options):
        pads = load_demo_data()
        self.stdout.write(f"Demo data loaded. Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<12} {login.role}")
        for office, token in pads.items():
            self.stdout.write(
                f"Rating pad of window 1 at {office}: pair a tablet at /feedback/pad/pair/ "
                f"with the token {token} (shown only this once)"
            )
