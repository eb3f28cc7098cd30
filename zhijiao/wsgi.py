import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")

from zhijiao.core.handlers import wsgi_application  # noqa: E402

application = wsgi_application()

# Import every view now, while the worker starts, not on its first request (Django loads the URLconf lazily:
# ~0.3 s, more without .pyc files, that the first person to reach each new worker would wait for).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 (the import is the point)
# And the reverse lookups (`reverse`, `{% url %}`): Django builds them, compiling every pattern, on the first call;
# the cockpit's district page links 266 schools and its first render after a start paid ~30–50 ms for it.
get_resolver().reverse_dict  # noqa: B018

# Without a broker, the server keeps the beat schedule itself (one process per host; zhijiao/core/clock.py).
from zhijiao.core.clock import start_clock  # noqa: E402

start_clock()
