"""The event trail (architecture section 5): one xAPI-shaped statement per meaningful action.

Columns hold what rollups and scoping filter on (verb, object, school, class, time); `statement`
holds the full xAPI JSON so the learning record store can serve it unchanged.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import OrgNode


class Statement(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_role = models.CharField(max_length=24, blank=True, db_index=True)
    verb = models.CharField(max_length=200, db_index=True)
    object_type = models.CharField(max_length=200, blank=True)
    object_id = models.CharField(max_length=500, db_index=True)
    school = models.ForeignKey(OrgNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    klass = models.ForeignKey(OrgNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    timestamp = models.DateTimeField(db_index=True)
    stored = models.DateTimeField(auto_now_add=True, db_index=True)
    voided = models.BooleanField(default=False)
    statement = models.JSONField()

    class Meta:
        verbose_name = _("学习记录")
        verbose_name_plural = _("学习记录")
        indexes = [
            models.Index(fields=["school", "timestamp"]),
            models.Index(fields=["verb", "timestamp"]),
            models.Index(fields=["actor", "timestamp"]),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_id}"
