"""The cockpit's own tables: the bureau's indicator configuration, and the rollups of the event trail.

Rollup tables live here (not in `records`): they are derived data, rebuilt at any time from raw
statements by `zhijiao cockpit-rollup --full`. They keep counts at the grain of
(day [, hour], school, class, role group, verb, activity type) — and per person per day — so an
indicator is a sum over its matching keys and the bureau's indicator changes apply at once, without
recomputing. Ids are plain integers (0 = none), not foreign keys: a rollup row outlives nothing and
upserts need non-null keys.
"""

from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhijiao.cockpit.indicators import ATTRIBUTIONS, DIMENSIONS, MEASURES


class IndicatorConfig(models.Model):
    """One indicator as the bureau configured it (overrides indicators.DEFAULTS by code)."""

    code = models.CharField(_("代码"), max_length=8, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    dimension = models.CharField(_("维度"), max_length=16, choices=DIMENSIONS)
    verbs = models.CharField(_("动词"), max_length=300, blank=True, help_text=_("逗号分隔；留空表示全部"))
    object_types = models.CharField(_("对象类型"), max_length=300, blank=True, help_text=_("逗号分隔；留空表示全部"))
    roles = models.CharField(_("角色"), max_length=100, blank=True, help_text=_("teacher/student/parent，留空表示全部"))
    attribution = models.CharField(_("归属"), max_length=8, choices=ATTRIBUTIONS, default="actor")
    measure = models.CharField(_("计量"), max_length=8, choices=MEASURES, default="count")
    threshold = models.FloatField(_("深度应用阈值（每30天）"))
    weight = models.FloatField(_("权重"))
    enabled = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("应用指标")
        verbose_name_plural = _("应用指标")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class IndexSettings(models.Model):
    """The bureau's index settings (one row)."""

    deep_score = models.FloatField(_("深度应用教师得分线"), default=60.0)
    warning_share = models.FloatField(_("预警线（深度应用教师占比 %）"), default=30.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("指数设置")
        verbose_name_plural = _("指数设置")

    def __str__(self) -> str:
        return f"{self.deep_score}/{self.warning_share}"


class RollupCheckpoint(models.Model):
    """How far the rollup has read the event trail, in (stored, id) order. Moved in the same
    transaction as the counts it covers, so a crash never counts a statement twice."""

    name = models.CharField(max_length=40, primary_key=True)
    last_stored = models.DateTimeField(null=True, blank=True)
    last_id = models.CharField(max_length=40, blank=True)
    statements = models.BigIntegerField(default=0)  # statements processed since the last full run
    updated_at = models.DateTimeField(null=True, blank=True)
    full_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("汇总进度")
        verbose_name_plural = _("汇总进度")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_stored}"


class HourlyCount(models.Model):
    """Statements per day, hour and school: a school's hour-of-day profile."""

    day = models.DateField()
    hour = models.SmallIntegerField()
    school_id = models.BigIntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        # In this order the key also serves "these schools, these days".
        constraints = [models.UniqueConstraint(fields=["school_id", "day", "hour"], name="cockpit_hourly_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.hour}h {self.school_id} {self.n}"


class ActorDaily(models.Model):
    """Statements per person, day, school and role group: a teacher's daily trend, and whether a person-day
    still has statements after a void. (The teacher index reads the count vectors.)"""

    day = models.DateField()
    actor_id = models.BigIntegerField()
    school_id = models.BigIntegerField()
    role = models.CharField(max_length=12)
    n = models.BigIntegerField(default=0)

    class Meta:
        # In this order the key also serves "this person, these days": one index to maintain.
        constraints = [models.UniqueConstraint(fields=["actor_id", "day", "school_id", "role"],
                                               name="cockpit_actor_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.actor_id} {self.n}"


class SchoolDaily(models.Model):
    """Statements per day, school and role group: a school's visits and the district's daily and weekly
    trends, from a few hundred rows a day whatever the trail's size."""

    day = models.DateField()
    school_id = models.BigIntegerField()
    role = models.CharField(max_length=12)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "school_id", "role"], name="cockpit_school_daily_key")]
        indexes = [models.Index(fields=["school_id", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.school_id} {self.role} {self.n}"


class DistrictHourly(models.Model):
    """Statements per day and hour over all schools: the district page's hour-of-day profile."""

    day = models.DateField()
    hour = models.SmallIntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "hour"], name="cockpit_district_hourly_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.hour}h {self.n}"


class ActiveDaily(models.Model):
    """People active per day, school and role group (each person once a day): the daily trend's active users."""

    day = models.DateField()
    school_id = models.BigIntegerField()
    role = models.CharField(max_length=12)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "school_id", "role"], name="cockpit_active_daily_key")]
        indexes = [models.Index(fields=["school_id", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.school_id} {self.role} {self.n} active"


class ActiveWeekly(models.Model):
    """People active per week, school and role group (each person once a week): the weekly trend's active users
    from a few hundred rows a period, instead of a test per person. `week` is the week's first day within its
    year — its Monday, or 1 January for the week New Year falls in (that week's days of December are the
    previous year's row), so a row is one piece of one year's bitmap (ActorYear) and is kept as
    ActiveDaily is: a person-week new to the bitmap adds one, a void that leaves it empty takes one off."""

    week = models.DateField()
    school_id = models.BigIntegerField()
    role = models.CharField(max_length=12)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["week", "school_id", "role"], name="cockpit_active_weekly_key")]
        indexes = [models.Index(fields=["school_id", "week"])]

    def __str__(self) -> str:
        return f"{self.week} {self.school_id} {self.role} {self.n} active"


# Days of a year in ActorYear: day of year 0–365 is bit (doy % 62) of column d{doy // 62}. 62 bits keep every
# value positive in a signed 64-bit integer, which both databases do bit arithmetic on.
DAYS_PER_COLUMN = 62
DAY_COLUMNS = ("d0", "d1", "d2", "d3", "d4", "d5")


def year_masks(start: date, end: date) -> dict[str, int]:
    """The days start..end of ONE year as DayBits masks: {column: bits}."""
    first, last = start.timetuple().tm_yday - 1, end.timetuple().tm_yday - 1
    masks: dict[str, int] = {}
    for k, column in enumerate(DAY_COLUMNS):
        lo, hi = max(first, k * DAYS_PER_COLUMN), min(last, (k + 1) * DAYS_PER_COLUMN - 1)
        if lo <= hi:
            masks[column] = ((1 << (hi - lo + 1)) - 1) << (lo - k * DAYS_PER_COLUMN)
    return masks


def week_of(day: date) -> date:
    """ActiveWeekly's `week` of a day: the first day of its week within its year (Monday, or 1 January)."""
    return max(day - timedelta(days=day.weekday()), date(day.year, 1, 1))


def week_end(week: date) -> date:
    """The last day of the week starting at `week` (from `week_of`) within its year: Sunday, or 31 December."""
    return min(week + timedelta(days=6 - week.weekday()), date(week.year, 12, 31))


class DayBits(models.Model):
    """Days of a year as a bitmap (see DAY_COLUMNS)."""

    d0 = models.BigIntegerField(default=0)
    d1 = models.BigIntegerField(default=0)
    d2 = models.BigIntegerField(default=0)
    d3 = models.BigIntegerField(default=0)
    d4 = models.BigIntegerField(default=0)
    d5 = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class ActorYear(DayBits):
    """The days of a year on which a person was active at a school in a role group, as a bitmap.

    Who was active in ANY period (the cockpit's active users, a teacher's active days) is then one test per
    person and year — `(d_k & mask_k) <> 0` — instead of a DISTINCT over a row per person and day, so the
    cost does not grow with the period or the trail."""

    actor_id = models.BigIntegerField()
    school_id = models.BigIntegerField()
    role = models.CharField(max_length=12)
    year = models.SmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor_id", "school_id", "role", "year"],
                                               name="cockpit_actor_year_key")]
        indexes = [models.Index(fields=["school_id", "year"])]

    def __str__(self) -> str:
        return f"{self.year} {self.actor_id}@{self.school_id}"


class CountKey(models.Model):
    """A kind of count the teacher index can ask for: kind "actor" (a teacher's own statements) or "class"
    (statements attributed to a class), role group, verb and activity type (zhijiao/cockpit/vectors.py)."""

    kind = models.CharField(max_length=5)
    role = models.CharField(max_length=12)
    verb = models.CharField(max_length=500)
    object_type = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "role", "verb", "object_type"],
                                               name="cockpit_count_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.role} {self.verb} {self.object_type}"


class OwnerSlot(models.Model):
    """The place of an owner (a teacher's user id, a class's node id) in its kind's count vectors."""

    kind = models.CharField(max_length=5)
    owner_id = models.BigIntegerField()
    slot = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "owner_id"], name="cockpit_owner_slot_key"),
                       models.UniqueConstraint(fields=["kind", "slot"], name="cockpit_owner_slot_slot")]

    def __str__(self) -> str:
        return f"{self.kind} {self.owner_id} → {self.slot}"


class CountVector(models.Model):
    """One key's figures on one day for every owner of its kind, by slot (zhijiao/cockpit/vectors.py):
    `totals` the running totals through the end of the day (little-endian int32), `active` a bit per owner
    with a count that day. A row exists for each day the key had statements."""

    key_id = models.IntegerField()
    day = models.DateField()
    totals = models.BinaryField()
    active = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "day"], name="cockpit_count_vector_key")]

    def __str__(self) -> str:
        return f"key {self.key_id} {self.day}"
