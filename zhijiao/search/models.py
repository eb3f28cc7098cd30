"""The search outbox: index work written in the same transaction as the change it describes.

A row here means "the index entry for (kind, pk) may be stale": the drain reads the object's current state
from the database and upserts or deletes it in the index, then deletes the row. A crash between the two
leaves the row, and the next drain re-applies it (idempotently).
"""

from django.db import models


class IndexOp(models.TextChoices):
    UPSERT = "upsert", "upsert"
    DELETE = "delete", "delete"


class IndexOutbox(models.Model):
    kind = models.CharField(max_length=32)
    pk_value = models.CharField("pk", max_length=64, db_column="object_pk")
    op = models.CharField(max_length=8, choices=IndexOp.choices, default=IndexOp.UPSERT)
    created = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "pk_value"], name="search_outbox_kind_pk")]

    def __str__(self) -> str:
        return f"{self.op} {self.kind}:{self.pk_value}"
