"""Sharing with other platforms: what the OAI-PMH harvester remembers about each source it reads."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HarvestSource(models.Model):
    """Another platform's OAI-PMH base URL, with where the last complete harvest of each set stopped."""

    base_url = models.URLField(_("OAI-PMH 地址"), max_length=500, unique=True)
    repository_name = models.CharField(_("平台名称"), max_length=200, blank=True)
    # {"<setSpec or ''>": "<responseDate of the last complete harvest>"}: the next harvest's `from`.
    last_harvested = models.JSONField(default=dict, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("采集来源")
        verbose_name_plural = _("采集来源")

    def __str__(self) -> str:
        return self.repository_name or self.base_url


class HarvestedRecord(models.Model):
    """One remote record (by its OAI identifier) and the resource it became here."""

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="records")
    identifier = models.CharField(max_length=300)
    resource = models.ForeignKey("resources.Resource", null=True, on_delete=models.SET_NULL, related_name="+")
    datestamp = models.CharField(max_length=25, blank=True)
    deleted = models.BooleanField(default=False)
    harvested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("采集记录")
        verbose_name_plural = _("采集记录")
        constraints = [models.UniqueConstraint(fields=["source", "identifier"], name="harvested_record_unique")]

    def __str__(self) -> str:
        return self.identifier
