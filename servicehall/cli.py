"""The ``servicehall`` console script: everything manage.py does, plus the product's commands."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicehall.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    # "servicehall demo-data" reads better than "demo_data"; both work.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
