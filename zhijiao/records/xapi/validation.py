"""Validation of xAPI 1.0.3 statements (Data part, sections 2.2–2.4 and 4).

`validate_statement(obj)` returns a normalised copy (contextActivities as arrays) or raises
`XapiInvalid` with a list of {"field": "context.registration", "reason": "..."} entries: every
problem found, not just the first.
"""

import functools
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone

from langcodes.tag_parser import LanguageTagError, parse_tag

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
MBOX_RE = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
SHA2_RE = re.compile(r"^[0-9a-fA-F]{56,128}$")
VERSION_RE = re.compile(r"^1\.0(\.\d+)?$")
_NUM = r"\d+(?:[.,]\d+)?"
# ISO 8601 durations: PnYnMnDTnHnMnS, or weeks on their own (PnW): "P4W1D" is not a duration.
DURATION_RE = re.compile(
    rf"^P(?:(?!$)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?|{_NUM}W)$"
)
TS_EXTENDED = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)$"
)
TS_BASIC = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?:\d{2})?)$")

INTERACTION_TYPES = {
    "true-false": set(), "choice": {"choices"}, "fill-in": set(), "long-fill-in": set(),
    "matching": {"source", "target"}, "performance": {"steps"}, "sequencing": {"choices"},
    "likert": {"scale"}, "numeric": set(), "other": set(),
}
COMPONENT_LISTS = {"choices", "scale", "source", "target", "steps"}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"

# Allowed properties per object (xAPI 1.0.3 Data 2.4).
_ACCOUNT_KEYS = frozenset({"homePage", "name"})
_AGENT_KEYS = frozenset({"objectType", "name", *IFIS})
_GROUP_KEYS = frozenset({"objectType", "name", "member", *IFIS})
_VERB_KEYS = frozenset({"id", "display"})
_COMPONENT_KEYS = frozenset({"id", "description"})
_DEFINITION_KEYS = frozenset({"name", "description", "type", "moreInfo", "extensions", "interactionType",
                              "correctResponsesPattern", *COMPONENT_LISTS})
_ACTIVITY_KEYS = frozenset({"objectType", "id", "definition"})
_REF_KEYS = frozenset({"objectType", "id"})
_RESULT_KEYS = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
_SCORE_KEYS = frozenset({"scaled", "raw", "min", "max"})
_CONTEXT_KEYS = frozenset({"registration", "instructor", "team", "contextActivities", "revision", "platform",
                           "language", "statement", "extensions"})
_CONTEXT_ACTIVITY_KEYS = frozenset({"parent", "grouping", "category", "other"})
_ATTACHMENT_KEYS = frozenset({"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"})
_BODY_KEYS = frozenset({"actor", "verb", "object", "result", "context", "timestamp", "attachments"})
_SUBSTATEMENT_KEYS = _BODY_KEYS | {"objectType"}
_STATEMENT_KEYS = _BODY_KEYS | {"id", "stored", "authority", "version"}


def valid_lang_tag(tag) -> bool:
    """A well-formed RFC 5646 language tag (section 2.2.9), e.g. "zh-Hans-CN", "cmn", "en-US-x-private".

    The syntax is parsed by langcodes' RFC 5646 parser. Three points where that parser is more lenient
    than the RFC are refused here: it reads "_" as "-" (the RFC's only separator is "-"), it takes any 2–4
    letters or digits as the primary subtag (the RFC's grammar: letters only), and it lets an extension
    singleton appear twice (section 2.2.6: "at most one time"). A 4-letter primary subtag such as "test" is
    well-formed: the grammar reserves it for future use, it is not unregistered-therefore-ill-formed."""
    return isinstance(tag, str) and _valid_lang_tag(tag)


@functools.lru_cache(maxsize=1024)  # a handful of tags in use, on every statement
def _valid_lang_tag(tag: str) -> bool:
    if not tag.isascii() or "_" in tag:
        return False
    try:
        parsed = parse_tag(tag)
    except LanguageTagError:
        return False
    kind, first = parsed[0]
    if kind == "language" and not first.startswith("x-") and not first.isalpha():
        return False
    singletons = [value.split("-")[0].lower() for kind, value in parsed if kind == "extension"]
    return len(singletons) == len(set(singletons))


class XapiInvalid(ValueError):
    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"{e['field']}: {e['reason']}" for e in errors))
        self.errors = errors


class _V:
    """Collects errors while walking a statement."""

    def __init__(self):
        self.errors: list[dict] = []

    def err(self, field: str, reason: str) -> None:
        self.errors.append({"field": field or "(statement)", "reason": reason})

    # --- primitives -------------------------------------------------------------------------
    def obj(self, value, field: str) -> bool:
        if not isinstance(value, dict):
            self.err(field, "应为 JSON 对象")
            return False
        return True

    def keys(self, value: dict, field: str, allowed: frozenset, required: tuple = ()) -> None:
        # The usual case, checked at C speed: only known keys, none null, the required ones there.
        if value.keys() <= allowed and None not in value.values() and all(map(value.__contains__, required)):
            return
        for k in value:
            if k not in allowed:
                self.err(f"{field}.{k}" if field else k, "不允许的属性（xAPI 1.0.3 未定义）")
        for k in required:
            if k not in value:
                self.err(f"{field}.{k}" if field else k, "缺少必填属性")
        for k, v in value.items():
            if v is None and k in allowed:
                self.err(f"{field}.{k}" if field else k, "不能为 null")

    def string(self, value, field: str) -> bool:
        if not isinstance(value, str):
            self.err(field, "应为字符串")
            return False
        return True

    def iri(self, value, field: str) -> None:
        if self.string(value, field) and not IRI_RE.match(value):
            self.err(field, "应为带协议的绝对 IRI")

    def uuid(self, value, field: str) -> None:
        if self.string(value, field) and not UUID_RE.match(value):
            self.err(field, "应为 UUID")

    def boolean(self, value, field: str) -> None:
        if not isinstance(value, bool):
            self.err(field, "应为 true 或 false")

    def number(self, value, field: str) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.err(field, "应为数字")
            return False
        return True

    def lang_map(self, value, field: str) -> None:
        if not self.obj(value, field):
            return
        if not value:
            self.err(field, "语言映射至少要有一项")
        for tag, text in value.items():
            if not valid_lang_tag(tag):
                self.err(f"{field}.{tag}", "不是合法的 RFC 5646 语言标签")
            if not isinstance(text, str):
                self.err(f"{field}.{tag}", "应为字符串")

    def lang_tag(self, value, field: str) -> None:
        # context.language: "String (as defined in RFC 5646)" (Data 2.4.6), checked like language-map keys.
        if self.string(value, field) and not valid_lang_tag(value):
            self.err(field, "不是合法的 RFC 5646 语言标签")

    def extensions(self, value, field: str) -> None:
        if not self.obj(value, field):
            return
        for k in value:
            if not IRI_RE.match(k):
                self.err(f"{field}.{k}", "扩展的键应为绝对 IRI")

    def timestamp(self, value, field: str) -> None:
        if self.string(value, field) and parse_timestamp(value) is None:
            self.err(field, "应为带时区的 ISO 8601 时间（不允许 -00:00 偏移）")

    # --- actors -----------------------------------------------------------------------------
    def ifi_count(self, value: dict, field: str) -> int:
        n = 0
        for k in IFIS:
            if k not in value:
                continue
            n += 1
            v = value[k]
            f = f"{field}.{k}"
            if k == "mbox":
                if self.string(v, f) and not MBOX_RE.match(v):
                    self.err(f, "应为 mailto: 开头的邮箱 IRI")
            elif k == "mbox_sha1sum":
                if self.string(v, f) and not SHA1_RE.match(v):
                    self.err(f, "应为 40 位十六进制 SHA1")
            elif k == "openid":
                self.iri(v, f)
            elif k == "account" and self.obj(v, f):
                self.keys(v, f, _ACCOUNT_KEYS, ("homePage", "name"))
                if "homePage" in v:
                    self.iri(v["homePage"], f"{f}.homePage")
                if "name" in v:
                    self.string(v["name"], f"{f}.name")
        return n

    def agent(self, value, field: str, *, require_type: bool = False) -> None:
        if not self.obj(value, field):
            return
        self.keys(value, field, _AGENT_KEYS)
        if require_type and value.get("objectType") != "Agent":
            self.err(f"{field}.objectType", "应为 \"Agent\"")
        elif "objectType" in value and value["objectType"] != "Agent":
            self.err(f"{field}.objectType", "应为 \"Agent\"")
        if "name" in value:
            self.string(value["name"], f"{field}.name")
        if self.ifi_count(value, field) != 1:
            self.err(field, "Agent 必须恰好有一个标识（mbox、mbox_sha1sum、openid 或 account）")

    def group(self, value, field: str) -> None:
        if not self.obj(value, field):
            return
        self.keys(value, field, _GROUP_KEYS, ("objectType",))
        if value.get("objectType") != "Group":
            self.err(f"{field}.objectType", "应为 \"Group\"")
        if "name" in value:
            self.string(value["name"], f"{field}.name")
        n = self.ifi_count(value, field)
        if n > 1:
            self.err(field, "Group 至多有一个标识")
        if "member" in value:
            members = value["member"]
            if not isinstance(members, list):
                self.err(f"{field}.member", "应为 Agent 数组")
            else:
                for i, m in enumerate(members):
                    self.agent(m, f"{field}.member[{i}]")
        if n == 0 and not value.get("member"):
            self.err(f"{field}.member", "匿名 Group 必须列出成员")

    def actor(self, value, field: str) -> None:
        if isinstance(value, dict) and value.get("objectType") == "Group":
            self.group(value, field)
        else:
            self.agent(value, field)

    # --- verb, object ---------------------------------------------------------------------------
    def verb(self, value, field: str) -> None:
        if not self.obj(value, field):
            return
        self.keys(value, field, _VERB_KEYS, ("id",))
        if "id" in value:
            self.iri(value["id"], f"{field}.id")
        if "display" in value:
            self.lang_map(value["display"], f"{field}.display")

    def components(self, value, field: str) -> None:
        if not isinstance(value, list):
            self.err(field, "应为交互组件数组")
            return
        seen = set()
        for i, c in enumerate(value):
            f = f"{field}[{i}]"
            if not self.obj(c, f):
                continue
            self.keys(c, f, _COMPONENT_KEYS, ("id",))
            if "id" in c and self.string(c["id"], f"{f}.id"):
                if c["id"] in seen:
                    self.err(f"{f}.id", "组件 id 重复")
                seen.add(c["id"])
            if "description" in c:
                self.lang_map(c["description"], f"{f}.description")

    def definition(self, value, field: str) -> None:
        # Every property of an Activity Definition is optional (Data 2.4.4.1): {} is a valid definition.
        if not self.obj(value, field):
            return
        self.keys(value, field, _DEFINITION_KEYS)
        for k in ("name", "description"):
            if k in value:
                self.lang_map(value[k], f"{field}.{k}")
        for k in ("type", "moreInfo"):
            if k in value:
                self.iri(value[k], f"{field}.{k}")
        if "extensions" in value:
            self.extensions(value["extensions"], f"{field}.extensions")
        itype = value.get("interactionType")
        present = COMPONENT_LISTS & set(value)
        if "interactionType" in value:
            if not isinstance(itype, str) or itype not in INTERACTION_TYPES:
                self.err(f"{field}.interactionType", "应为规范列出的交互类型之一（字符串，如 choice）")
            else:
                for k in present - INTERACTION_TYPES[itype]:
                    self.err(f"{field}.{k}", f"交互类型 {itype} 不使用该组件列表")
        elif present or "correctResponsesPattern" in value:
            self.err(f"{field}.interactionType", "给出交互组件或正确答案时必须有 interactionType")
        if "correctResponsesPattern" in value:
            crp = value["correctResponsesPattern"]
            if not isinstance(crp, list) or not all(isinstance(x, str) for x in crp):
                self.err(f"{field}.correctResponsesPattern", "应为字符串数组")
        for k in present:
            self.components(value[k], f"{field}.{k}")

    def activity(self, value, field: str) -> None:
        if not self.obj(value, field):
            return
        self.keys(value, field, _ACTIVITY_KEYS, ("id",))
        if "objectType" in value and value["objectType"] != "Activity":
            self.err(f"{field}.objectType", "应为 \"Activity\"")
        if "id" in value:
            self.iri(value["id"], f"{field}.id")
        if "definition" in value:
            self.definition(value["definition"], f"{field}.definition")

    def statement_ref(self, value, field: str) -> None:
        if not self.obj(value, field):
            return
        self.keys(value, field, _REF_KEYS, ("objectType", "id"))
        if value.get("objectType") != "StatementRef":
            self.err(f"{field}.objectType", "应为 \"StatementRef\"")
        if "id" in value:
            self.uuid(value["id"], f"{field}.id")

    def object(self, value, field: str, *, sub: bool) -> None:
        if not self.obj(value, field):
            return
        kind = value.get("objectType", "Activity")
        if kind == "Activity":
            self.activity(value, field)
        elif kind == "Agent":
            self.agent(value, field, require_type=True)
        elif kind == "Group":
            self.group(value, field)
        elif kind == "StatementRef":
            self.statement_ref(value, field)
        elif kind == "SubStatement":
            if sub:
                self.err(f"{field}.objectType", "SubStatement 不能再嵌套 SubStatement")
            else:
                self.body(value, field, sub=True)
        else:
            self.err(f"{field}.objectType", "未知的 objectType")

    # --- result, context, attachments -------------------------------------------------------
    def result(self, value, field: str) -> None:
        if not self.obj(value, field):
            return
        self.keys(value, field, _RESULT_KEYS)
        for k in ("success", "completion"):
            if k in value:
                self.boolean(value[k], f"{field}.{k}")
        if "response" in value:
            self.string(value["response"], f"{field}.response")
        if "duration" in value and self.string(value["duration"], f"{field}.duration"):
            if not DURATION_RE.match(value["duration"]):
                self.err(f"{field}.duration", "应为 ISO 8601 时长，如 PT1H30M")
        if "extensions" in value:
            self.extensions(value["extensions"], f"{field}.extensions")
        score = value.get("score")
        if score is not None and self.obj(score, f"{field}.score"):
            f = f"{field}.score"
            self.keys(score, f, _SCORE_KEYS)
            nums = {k: score[k] for k in ("scaled", "raw", "min", "max") if k in score and self.number(score[k], f"{f}.{k}")}
            if "scaled" in nums and not -1 <= nums["scaled"] <= 1:
                self.err(f"{f}.scaled", "应在 -1 到 1 之间")
            if "min" in nums and "max" in nums and not nums["min"] < nums["max"]:
                self.err(f"{f}.max", "应大于 min")
            if "raw" in nums and "min" in nums and nums["raw"] < nums["min"]:
                self.err(f"{f}.raw", "不能小于 min")
            if "raw" in nums and "max" in nums and nums["raw"] > nums["max"]:
                self.err(f"{f}.raw", "不能大于 max")

    def context(self, value, field: str, obj) -> None:
        if not self.obj(value, field):
            return
        self.keys(value, field, _CONTEXT_KEYS)
        if "registration" in value:
            self.uuid(value["registration"], f"{field}.registration")
        if "instructor" in value:
            self.actor(value["instructor"], f"{field}.instructor")
        if "team" in value:
            team = value["team"]
            if isinstance(team, dict) and team.get("objectType") != "Group":
                self.err(f"{field}.team.objectType", "team 必须是 Group")
            else:
                self.group(team, f"{field}.team")
        is_activity = isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity"
        for k in ("revision", "platform"):
            if k in value:
                self.string(value[k], f"{field}.{k}")
                if not is_activity:
                    self.err(f"{field}.{k}", "只有对象是 Activity 时才能使用")
        if "language" in value:
            self.lang_tag(value["language"], f"{field}.language")
        if "statement" in value:
            self.statement_ref(value["statement"], f"{field}.statement")
        if "extensions" in value:
            self.extensions(value["extensions"], f"{field}.extensions")
        ca = value.get("contextActivities")
        if ca is not None and self.obj(ca, f"{field}.contextActivities"):
            f = f"{field}.contextActivities"
            self.keys(ca, f, _CONTEXT_ACTIVITY_KEYS)
            if not ca:
                self.err(f, "至少要有 parent、grouping、category、other 中的一项")
            for k, acts in ca.items():
                if k not in {"parent", "grouping", "category", "other"} or acts is None:
                    continue
                items = acts if isinstance(acts, list) else [acts]
                for i, a in enumerate(items):
                    self.activity(a, f"{f}.{k}[{i}]")

    def attachments(self, value, field: str) -> None:
        if not isinstance(value, list):
            self.err(field, "应为附件数组")
            return
        for i, a in enumerate(value):
            f = f"{field}[{i}]"
            if not self.obj(a, f):
                continue
            self.keys(a, f, _ATTACHMENT_KEYS, ("usageType", "display", "contentType", "length", "sha2"))
            if "usageType" in a:
                self.iri(a["usageType"], f"{f}.usageType")
            for k in ("display", "description"):
                if k in a:
                    self.lang_map(a[k], f"{f}.{k}")
            if "contentType" in a and self.string(a["contentType"], f"{f}.contentType"):
                if "/" not in a["contentType"]:
                    self.err(f"{f}.contentType", "应为互联网媒体类型，如 text/plain")
            if "length" in a and (isinstance(a["length"], bool) or not isinstance(a["length"], int)
                                  or a["length"] < 0):
                self.err(f"{f}.length", "应为非负整数")
            if "sha2" in a and self.string(a["sha2"], f"{f}.sha2") and not SHA2_RE.match(a["sha2"]):
                self.err(f"{f}.sha2", "应为十六进制 SHA-2 摘要")
            if "fileUrl" in a:
                self.iri(a["fileUrl"], f"{f}.fileUrl")
            if a.get("usageType") == SIGNATURE_USAGE and a.get("contentType") != "application/octet-stream":
                self.err(f"{f}.contentType", "签名附件的 contentType 必须是 application/octet-stream")

    # --- statement --------------------------------------------------------------------------
    def body(self, value, field: str, *, sub: bool) -> None:
        if not self.obj(value, field):
            return
        self.keys(value, field, _SUBSTATEMENT_KEYS if sub else _STATEMENT_KEYS, ("actor", "verb", "object"))
        pre = f"{field}." if field else ""
        if "id" in value and not sub:
            self.uuid(value["id"], f"{pre}id")
        if "actor" in value:
            self.actor(value["actor"], f"{pre}actor")
        if "verb" in value:
            self.verb(value["verb"], f"{pre}verb")
        if "object" in value:
            self.object(value["object"], f"{pre}object", sub=sub)
        if "result" in value:
            self.result(value["result"], f"{pre}result")
        if "context" in value:
            self.context(value["context"], f"{pre}context", value.get("object"))
        if "timestamp" in value:
            self.timestamp(value["timestamp"], f"{pre}timestamp")
        if "attachments" in value:
            self.attachments(value["attachments"], f"{pre}attachments")
        if not sub:
            if "stored" in value:
                self.timestamp(value["stored"], f"{pre}stored")
            if "version" in value and self.string(value["version"], f"{pre}version"):
                if not VERSION_RE.match(value["version"]):
                    self.err(f"{pre}version", "只接受 1.0.x 版本")
            if "authority" in value:
                self.authority(value["authority"], f"{pre}authority")
            verb = value.get("verb")
            if isinstance(verb, dict) and verb.get("id") == VOIDED:
                obj = value.get("object")
                if not (isinstance(obj, dict) and obj.get("objectType") == "StatementRef"):
                    self.err(f"{pre}object", "作废语句（voided）的对象必须是 StatementRef")

    def authority(self, value, field: str) -> None:
        if isinstance(value, dict) and value.get("objectType") == "Group":
            self.group(value, field)
            members = value.get("member")
            if not isinstance(members, list) or len(members) != 2:
                self.err(f"{field}.member", "作为 authority 的 Group 必须恰好有两个成员（OAuth 三方）")
            if any(k in value for k in IFIS):
                self.err(field, "作为 authority 的 Group 必须是匿名 Group（不带标识）")
        else:
            self.agent(value, field)


def parse_timestamp(value: str) -> datetime | None:
    """An ISO 8601 date-time with a time zone, or None. '-00', '-0000' and '-00:00' offsets are refused."""
    return _parse_timestamp(value) if isinstance(value, str) else None


# Validation parses a statement's timestamp and storing it parses it again: the second time is a hit.
@functools.lru_cache(maxsize=4096)
def _parse_timestamp(value: str) -> datetime | None:
    m = TS_EXTENDED.match(value) or TS_BASIC.match(value)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    if tz.startswith("-") and tz.replace("-", "").replace(":", "").strip("0") == "":
        return None
    try:
        micro = int((frac or "0")[:6].ljust(6, "0"))
        dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro)
    except ValueError:
        return None
    tzinfo = _zone(tz)
    if tzinfo is None:
        return None
    aware = dt.replace(tzinfo=tzinfo)
    try:
        aware.astimezone(UTC)  # stored in UTC: 9999-12-31T23:00-05:00 or 0001-01-01T00:00+05:00 has no UTC time
    except OverflowError:
        return None
    return aware


@functools.lru_cache(maxsize=256)
def _zone(tz: str):
    if tz == "Z":
        return UTC
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _normalise_context(ctx: dict) -> None:
    ca = ctx.get("contextActivities")
    if isinstance(ca, dict):
        for k, v in list(ca.items()):
            if isinstance(v, dict):
                ca[k] = [v]


def normalise(statement: dict) -> dict:
    """contextActivities always as arrays, and objectType "Activity" on an object given without one
    (Data 2.4.4: the LRS generates it)."""
    if isinstance(statement.get("context"), dict):
        _normalise_context(statement["context"])
    obj = statement.get("object")
    if isinstance(obj, dict):
        obj.setdefault("objectType", "Activity")
        if obj["objectType"] == "SubStatement":
            if isinstance(obj.get("context"), dict):
                _normalise_context(obj["context"])
            if isinstance(obj.get("object"), dict):
                obj["object"].setdefault("objectType", "Activity")
    return statement


def validate_statement(statement) -> dict:
    """Check one statement; return it normalised, or raise XapiInvalid listing every problem."""
    v = _V()
    v.body(statement, "", sub=False)
    if v.errors:
        raise XapiInvalid(v.errors)
    return normalise(statement)


def validate_agent(agent, field: str = "agent") -> None:
    """An Agent or identified Group given as a query parameter (documents, filters)."""
    v = _V()
    if isinstance(agent, dict) and agent.get("objectType") == "Group":
        v.group(agent, field)
        if v.ifi_count(agent, field) != 1 and not v.errors:
            v.err(field, "需要一个有标识的 Agent 或 Group")
    else:
        v.agent(agent, field)
    if v.errors:
        raise XapiInvalid(v.errors)


def is_uuid(value: str) -> bool:
    return isinstance(value, str) and bool(UUID_RE.match(value))


def is_iri(value: str) -> bool:
    return isinstance(value, str) and bool(IRI_RE.match(value))


def canonical_uuid(value: str) -> str:
    return str(uuid.UUID(value))
