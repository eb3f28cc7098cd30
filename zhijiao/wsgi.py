import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
application = get_wsgi_application()

# Without a broker, the server keeps the beat schedule itself (one process per host; zhijiao/core/clock.py).
from zhijiao.core.clock import start_clock  # noqa: E402

start_clock()
