"""Pure helpers over xAPI statement JSON: agent keys, index terms, equivalence, output formats."""

import copy
import json

from zhijiao.records.xapi.validation import VOIDED, parse_timestamp

PLATFORM_HOME = "https://zhijiao.example.org/"
CLIENT_HOME = "https://zhijiao.example.org/xapi/clients/"
PLATFORM_AUTHORITY = {"objectType": "Agent", "name": "zhijiao",
                      "account": {"homePage": PLATFORM_HOME, "name": "zhijiao-platform"}}


def agent_key(agent) -> str | None:
    """A stable string for an Agent's / identified Group's inverse functional identifier."""
    if not isinstance(agent, dict):
        return None
    if "mbox" in agent:
        return f"mbox:{agent['mbox']}"
    if "mbox_sha1sum" in agent:
        return f"sha1:{str(agent['mbox_sha1sum']).lower()}"
    if "openid" in agent:
        return f"openid:{agent['openid']}"
    acc = agent.get("account")
    if isinstance(acc, dict):
        return f"account:{acc.get('homePage')}|{acc.get('name')}"
    return None


def user_agent(user_pk: int) -> dict:
    """The agent of a platform account: by id only (no names, phone numbers or e-mails of minors)."""
    return {"objectType": "Agent", "account": {"homePage": PLATFORM_HOME, "name": str(user_pk)}}


def platform_user_id(agent) -> int | None:
    """The platform user id an agent stands for, if it is a platform account."""
    acc = agent.get("account") if isinstance(agent, dict) else None
    if isinstance(acc, dict) and acc.get("homePage") == PLATFORM_HOME and str(acc.get("name", "")).isdigit():
        return int(acc["name"])
    return None


def _agents_in(actor) -> list[str]:
    """Keys of an agent/group and of a group's members."""
    keys = []
    if not isinstance(actor, dict):
        return keys
    k = agent_key(actor)
    if k:
        keys.append(k)
    for m in actor.get("member", []) or []:
        mk = agent_key(m)
        if mk:
            keys.append(mk)
    return keys


def terms(statement: dict) -> list[tuple[str, str, bool]]:
    """(kind, key, primary) index rows for the agent / activity filters.

    One row per (kind, key): primary wins. The related_* filters match any row, the plain ones only
    primary rows: the actor and the object are primary; the actor's and the object's members, the
    authority, instructor, team (and members), context activities and everything in a SubStatement
    are related only."""
    found: dict[tuple[str, str], bool] = {}
    _collect_terms(statement, found, True)
    return sorted((kind, key, primary) for (kind, key), primary in found.items())


def _related(found: dict, actor) -> None:
    if isinstance(actor, dict):
        k = agent_key(actor)
        if k:
            found.setdefault(("agent", k), False)
        for m in actor.get("member", ()) or ():
            mk = agent_key(m)
            if mk:
                found.setdefault(("agent", mk), False)


def _collect_terms(statement: dict, found: dict, top: bool) -> None:
    actor = statement.get("actor")
    if top and (ak := agent_key(actor)):
        found[("agent", ak)] = True
    _related(found, actor)
    obj = statement.get("object") or {}
    otype = obj.get("objectType", "Activity")
    if otype == "Activity":
        if top:
            found[("activity", obj.get("id"))] = True
        else:
            found.setdefault(("activity", obj.get("id")), False)
    elif otype in ("Agent", "Group"):
        if top and (ok := agent_key(obj)):
            found[("agent", ok)] = True
        _related(found, obj)
    elif otype == "SubStatement":
        _collect_terms(obj, found, False)
    _related(found, statement.get("authority"))
    ctx = statement.get("context") or {}
    _related(found, ctx.get("instructor"))
    _related(found, ctx.get("team"))
    for acts in (ctx.get("contextActivities") or {}).values():
        for a in acts if isinstance(acts, list) else [acts]:
            if isinstance(a, dict) and a.get("id"):
                found.setdefault(("activity", a["id"]), False)


def is_voiding(statement: dict) -> bool:
    return (statement.get("verb") or {}).get("id") == VOIDED


def _comparable(statement: dict, *, drop_id: bool = False) -> dict:
    s = copy.deepcopy(statement)
    for k in ("authority", "stored", "version"):
        s.pop(k, None)
    if drop_id:
        s.pop("id", None)

    def fix(node):
        if isinstance(node, dict):
            if "timestamp" in node and isinstance(node["timestamp"], str):
                ts = parse_timestamp(node["timestamp"])
                if ts is not None:
                    node["timestamp"] = ts.timestamp()
            if isinstance(node.get("member"), list):
                node["member"] = sorted(node["member"], key=lambda m: json.dumps(m, sort_keys=True))
            ca = (node.get("context") or {}).get("contextActivities") if isinstance(node.get("context"), dict) else None
            if isinstance(ca, dict):
                for k, v in list(ca.items()):
                    if isinstance(v, dict):
                        ca[k] = [v]
            for v in node.values():
                fix(v)
        elif isinstance(node, list):
            for v in node:
                fix(v)

    fix(s)
    return s


def equivalent(a: dict, b: dict, *, ignore_attachments: bool = False) -> bool:
    """Statement comparison (xAPI Data 2.3.1.1): ignores authority, stored, version and timestamp notation."""
    drop_id = "id" not in a or "id" not in b
    ca, cb = _comparable(a, drop_id=drop_id), _comparable(b, drop_id=drop_id)
    if "timestamp" not in a or "timestamp" not in b:
        # The LRS fills in a missing timestamp; a resend without one is the same statement.
        ca.pop("timestamp", None)
        cb.pop("timestamp", None)
    if ignore_attachments:
        ca.pop("attachments", None)
        cb.pop("attachments", None)
    return ca == cb


# --- output formats --------------------------------------------------------------------------------

def _ids_agent(agent: dict) -> dict:
    out = {"objectType": agent.get("objectType", "Agent")}
    for k in ("mbox", "mbox_sha1sum", "openid", "account"):
        if k in agent:
            out[k] = agent[k]
            break
    if out["objectType"] == "Group" and len(out) == 1 and agent.get("member"):
        out["member"] = [_ids_agent(m) for m in agent["member"]]
    return out


def format_ids(statement: dict) -> dict:
    s = copy.deepcopy(statement)

    def body(node: dict) -> None:
        if isinstance(node.get("actor"), dict):
            node["actor"] = _ids_agent(node["actor"])
        if isinstance(node.get("verb"), dict):
            node["verb"] = {"id": node["verb"].get("id")}
        obj = node.get("object")
        if isinstance(obj, dict):
            t = obj.get("objectType", "Activity")
            if t == "Activity":
                node["object"] = {"id": obj.get("id")}  # Activity is the default objectType: the id is the minimum
            elif t in ("Agent", "Group"):
                node["object"] = _ids_agent(obj)
            elif t == "SubStatement":
                body(obj)
        if isinstance(node.get("authority"), dict):
            node["authority"] = _ids_agent(node["authority"])
        ctx = node.get("context")
        if isinstance(ctx, dict):
            for role in ("instructor", "team"):
                if isinstance(ctx.get(role), dict):
                    ctx[role] = _ids_agent(ctx[role])
            for k, acts in (ctx.get("contextActivities") or {}).items():
                ctx["contextActivities"][k] = [{"id": a.get("id")} for a in acts]

    body(s)
    return s


def parse_accept_language(header: str) -> list[str]:
    langs = []
    for part in (header or "").split(","):
        bits = part.strip().split(";")
        if not bits[0]:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        langs.append((q, bits[0].strip().lower()))
    return [tag for q, tag in sorted(langs, key=lambda x: -x[0]) if q > 0]


def _pick(langmap: dict, langs: list[str]) -> dict:
    if not isinstance(langmap, dict) or not langmap:
        return langmap
    lower = {k.lower(): k for k in langmap}
    for tag in langs:
        if tag == "*":
            break
        if tag in lower:
            return {lower[tag]: langmap[lower[tag]]}
        for k_low, k in lower.items():
            if k_low.split("-")[0] == tag.split("-")[0]:
                return {k: langmap[k]}
    first = next(iter(langmap))
    return {first: langmap[first]}


def format_canonical(statement: dict, langs: list[str], definitions: dict[str, dict]) -> dict:
    """One language per language map (by Accept-Language); activities carry the LRS's canonical definition."""
    s = copy.deepcopy(statement)

    def activity(a: dict) -> None:
        if a.get("id") in definitions and definitions[a["id"]]:
            a["definition"] = copy.deepcopy(definitions[a["id"]])
        d = a.get("definition")
        if isinstance(d, dict):
            for k in ("name", "description"):
                if k in d:
                    d[k] = _pick(d[k], langs)
            for k in ("choices", "scale", "source", "target", "steps"):
                for c in d.get(k, []) or []:
                    if "description" in c:
                        c["description"] = _pick(c["description"], langs)

    def body(node: dict) -> None:
        if isinstance(node.get("verb"), dict) and "display" in node["verb"]:
            node["verb"]["display"] = _pick(node["verb"]["display"], langs)
        obj = node.get("object")
        if isinstance(obj, dict):
            t = obj.get("objectType", "Activity")
            if t == "Activity":
                activity(obj)
            elif t == "SubStatement":
                body(obj)
        ctx = node.get("context")
        if isinstance(ctx, dict):
            for acts in (ctx.get("contextActivities") or {}).values():
                for a in acts:
                    activity(a)
        for att in node.get("attachments", []) or []:
            for k in ("display", "description"):
                if k in att:
                    att[k] = _pick(att[k], langs)

    body(s)
    return s


def activity_ids_in(statement: dict) -> list[str]:
    """Activity ids a statement mentions (for canonical definitions)."""
    return [key for kind, key, primary in terms(statement) if kind == "activity" and not primary]


def activity_definitions(statement: dict) -> list[tuple[str, dict]]:
    """(activity id, definition) pairs a statement carries."""
    out = []

    def activity(a):
        if isinstance(a, dict) and a.get("id") and isinstance(a.get("definition"), dict):
            out.append((a["id"], a["definition"]))

    def body(node):
        obj = node.get("object") or {}
        t = obj.get("objectType", "Activity")
        if t == "Activity":
            activity(obj)
        elif t == "SubStatement":
            body(obj)
        for acts in ((node.get("context") or {}).get("contextActivities") or {}).values():
            for a in acts if isinstance(acts, list) else [acts]:
                activity(a)

    body(statement)
    return out
