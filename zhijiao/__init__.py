"""智教 zhijiao — district–school integrated smart education cloud platform."""

# The Celery app, created before any task module, so every `@shared_task` binds to it (creating it reads no
# settings and imports no app; see celery_app.py).
import zhijiao.celery_app  # noqa: F401

__version__ = "0.1.0"
