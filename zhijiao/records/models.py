"""The event trail (architecture section 5) and the learning record store (xAPI 1.0.3) behind /xapi/.

Columns hold what rollups, scoping and the xAPI query filters use (verb, object, school, class, time,
registration, agents and activities by index rows); `statement` holds the full xAPI JSON so the LRS
serves it unchanged.
"""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import OrgNode


class LrsClient(models.Model):
    """An outside tool allowed to talk to /xapi/ with HTTP Basic (key:secret). Only a hash of the secret is kept."""

    name = models.CharField(_("名称"), max_length=80)
    key = models.CharField(_("密钥 ID"), max_length=40, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("权限范围"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("xAPI 客户端")
        verbose_name_plural = _("xAPI 客户端")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Statement(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Every index is written with each statement (the LRS ingest path), so a column has its own index only
    # where a query leads with it and no composite index below starts with it: none on actor_role and
    # object_id (no query filters on them alone; the xAPI activity filter uses StatementTerm), none on
    # actor, school, verb and stored (their composites serve). `db_index` on a CharField would also add a
    # varchar_pattern_ops index on PostgreSQL, for LIKE queries nobody makes.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", db_index=False)
    actor_role = models.CharField(max_length=24, blank=True)
    verb = models.CharField(max_length=500)
    object_type = models.CharField(max_length=200, blank=True)
    object_id = models.CharField(max_length=1000)
    school = models.ForeignKey(OrgNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               db_index=False)
    klass = models.ForeignKey(OrgNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    timestamp = models.DateTimeField(db_index=True)
    stored = models.DateTimeField(default=timezone.now)
    voided = models.BooleanField(default=False)
    statement = models.JSONField()
    # LRS columns (xAPI 1.0.3).
    registration = models.UUIDField(null=True, blank=True, db_index=True)
    object_ref = models.UUIDField(null=True, blank=True,
                                  help_text="the statement this one targets (object StatementRef)")
    voided_by = models.UUIDField(null=True, blank=True)
    client = models.ForeignKey(LrsClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    has_attachments = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("学习记录")
        verbose_name_plural = _("学习记录")
        indexes = [
            models.Index(fields=["school", "timestamp"]),
            models.Index(fields=["verb", "timestamp"]),
            models.Index(fields=["actor", "timestamp"]),
            models.Index(fields=["stored", "id"], name="records_stmt_stored_id"),
            # Only StatementRefs (a few in a thousand) are in it: a statement without one writes no entry.
            models.Index(fields=["object_ref"], condition=models.Q(object_ref__isnull=False),
                         name="records_stmt_object_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_id}"


class TermKind(models.TextChoices):
    AGENT = "agent"
    ACTIVITY = "activity"


class StatementTerm(models.Model):
    """Index rows for the xAPI `agent` and `activity` filters.

    `primary` rows are the actor / object (what the filter matches by default); the rest are what
    `related_agents` / `related_activities` add (authority, instructor, team, members, context
    activities, a SubStatement's parts).
    """

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="terms")
    kind = models.CharField(max_length=8, choices=TermKind.choices)
    key = models.CharField(max_length=700)
    primary = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["kind", "key", "primary"], name="records_term_lookup")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Attachment(models.Model):
    """Raw attachment content, by its SHA-2 digest in hex (statements refer to it by `sha2`): SHA-224, -256,
    -384 or -512, so up to 128 characters."""

    sha2 = models.CharField(max_length=128, unique=True)
    content_type = models.CharField(max_length=200)
    length = models.PositiveBigIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.sha2


class Activity(models.Model):
    """The LRS's canonical definition of an activity (served by /xapi/activities and format=canonical)."""

    iri = models.CharField(max_length=2000, unique=True)
    definition = models.JSONField(default=dict)
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.iri


class DocumentKind(models.TextChoices):
    STATE = "state"
    ACTIVITY_PROFILE = "activity_profile"
    AGENT_PROFILE = "agent_profile"


class Document(models.Model):
    """A State, Activity Profile or Agent Profile document of the xAPI document resources."""

    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    activity_iri = models.CharField(max_length=2000, blank=True)
    agent_key = models.CharField(max_length=700, blank=True)
    registration = models.CharField(max_length=36, blank=True)
    doc_id = models.CharField(max_length=700)
    content = models.BinaryField()
    content_type = models.CharField(max_length=200, default="application/octet-stream")
    etag = models.CharField(max_length=64)
    updated = models.DateTimeField(default=timezone.now, db_index=True)
    client = models.ForeignKey(LrsClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")

    class Meta:
        indexes = [models.Index(fields=["kind", "agent_key", "activity_iri"], name="records_doc_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["kind", "activity_iri", "agent_key", "registration", "doc_id"],
                                    name="records_doc_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.doc_id}"


class TrailBatch(models.Model):
    """One spool file of counted reads applied to the database (zhijiao.records.trail).

    Written in the same transaction as the file's rows, so a file whose rows committed is never applied
    again, even if the process that applied it died before deleting it.
    """

    name = models.CharField(max_length=200, unique=True)
    entries = models.PositiveIntegerField()
    applied_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name
