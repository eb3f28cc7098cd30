"""Real exam questions through the question bank's three import paths: does what a teacher sends come back
stored unchanged?

    uv run python bench/real_papers.py GAOKAO_BENCH [CMMLU] [--limit N]

GAOKAO_BENCH is https://github.com/OpenLMLab/GAOKAO-Bench and CMMLU https://github.com/haonan-li/CMMLU, each
either a checkout (a folder with Data/ or data/ in it) or a bare git mirror (read at HEAD with `git show`, e.g.
/work/.mirror/OpenLMLab+GAOKAO-Bench/repo). Nothing is downloaded and nothing of the data is written to the
repository. --limit N takes the first N questions of each source file (a quick run).

Every GAOKAO-Bench choice question (Data/Objective_Questions/*MCQs*.json, all subjects) and fill-in question
(Data/Subjective_Questions/*Fill-in-the-Blank.json), and every question of CMMLU's primary and senior-high
test files (data/test/elementary_*.csv, high_school_*.csv), is written as a teacher would: the stem without
its options, the options split at their letters into 选项A…D columns (XLSX) or an options object (JSON), the
type as 选择题 / 单选 / 多选 / 填空, the subject by its common name (生物, 政治, 数学…), a fill answer as
blanks × alternatives (one blank: the answer as printed). GAOKAO items whose options cannot be found in the
text, and items holding several questions (one answer per question: a passage that would be a 复合题), are
counted as not converted.

On a fresh SQLite database in a temp data dir (migrated here, shipped catalog loaded), each path imports into
a teacher of its own:
  xlsx  a workbook per ≤2,000 rows (core.files new_workbook/append_row/workbook_bytes) → parse_import_file →
        questions_import;
  json  a .json file per ≤2,000 rows, the same way;
  api   POST /api/v1/questions/import with a Django test client and a bearer token.
Imports are all or nothing, so each batch is sent once with skip_duplicates=False; when rows are refused they
are left out and the batch is sent again (both sends are in the path's time). A refusal that says the row
repeats an earlier one is counted as a duplicate within the source, not as a refusal.
Every stored Question is then compared field by field with its row (type, stem, option letters and texts,
answer letters or blanks, analysis, subject, source). Mismatches must be 0; any found are printed.
"""

import argparse
import collections
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BATCH = 2000  # actions.MAX_IMPORT_ROWS: the most one import takes
GAOKAO_SUBJECTS = {"Biology": "生物", "Chemistry": "化学", "Chinese": "语文", "English": "英语", "Geography": "地理",
                   "History": "历史", "Math": "数学", "Physics": "物理", "Political": "政治"}
CMMLU_SUBJECTS = {"elementary_chinese": "语文", "elementary_mathematics": "数学",
                  "elementary_information_and_technology": "信息科技", "elementary_commonsense": "",
                  "high_school_biology": "生物", "high_school_chemistry": "化学", "high_school_geography": "地理",
                  "high_school_mathematics": "数学", "high_school_physics": "物理", "high_school_politics": "政治"}
# An option's letter where papers print one: at the start, after white space or right after a CJK character.
MARKER = re.compile(r"(?:^|(?<=\s)|(?<=[^\x00-\x7f]))([A-D])\s*[.．、:：]")


class Source:
    """A checkout or a bare git mirror, read the same way."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.bare = not any((self.path / d).is_dir() for d in ("Data", "data")) and (self.path / "HEAD").exists()

    def commit(self) -> str:
        git = ["git", "--git-dir", str(self.path)] if self.bare else ["git", "-C", str(self.path)]
        done = subprocess.run([*git, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True)
        return done.stdout.strip() or "(not a git checkout)"

    def files(self, folder: str) -> list[str]:
        if self.bare:
            out = subprocess.run(["git", "--git-dir", str(self.path), "ls-tree", "--name-only", f"HEAD:{folder}"],
                                 capture_output=True, text=True, check=True).stdout
            return sorted(f"{folder}/{n}" for n in out.split())
        return sorted(str(p.relative_to(self.path)) for p in (self.path / folder).iterdir())

    def read(self, name: str) -> str:
        if self.bare:
            return subprocess.run(["git", "--git-dir", str(self.path), "show", f"HEAD:{name}"], capture_output=True,
                                  check=True).stdout.decode("utf-8-sig")
        return (self.path / name).read_text(encoding="utf-8-sig")


def split_options(text: str) -> tuple[str, dict[str, str]] | None:
    """(stem, {"A": …, "D": …}) from a question printed with its options, or None when they are not found.
    The last A that is followed by B, C and D in order starts the options."""
    marks = [(m.group(1), m.start(), m.end()) for m in MARKER.finditer(text)]
    for i in range(len(marks) - 1, -1, -1):
        if marks[i][0] != "A":
            continue
        chain = [marks[i]]
        for m in marks[i + 1:]:
            if m[0] == chr(ord(chain[-1][0]) + 1):
                chain.append(m)
                if m[0] == "D":
                    break
        if len(chain) == 4:
            stem = text[:chain[0][1]].strip()
            opts = {}
            for k, (letter, _start, end) in enumerate(chain):
                stop = chain[k + 1][1] if k + 1 < 4 else len(text)
                opts[letter] = text[end:stop].strip()
            if stem and all(opts.values()):
                return stem, opts
    return None


def gaokao_rows(src: Source, limit: int | None, skipped: collections.Counter) -> list[dict]:
    names = [n for n in src.files("Data/Objective_Questions") if "MCQs" in n and n.endswith(".json")]
    names += [n for n in src.files("Data/Subjective_Questions") if n.endswith("Fill-in-the-Blank.json")]
    rows = []
    for name in names:
        base = name.rsplit("/", 1)[1]
        subject = next(v for k, v in GAOKAO_SUBJECTS.items() if f"_{k}_" in base or f"_{k}" in base)
        items = json.loads(src.read(name))["example"][:limit]
        for ex in items:
            where = f"{base}#{ex.get('index')}"
            common = {"subject": subject, "analysis": (ex.get("analysis") or "").strip(),
                      "source": f"{ex.get('year', '')}年高考{ex.get('category', '')}".strip(), "_where": where,
                      "_file": "GAOKAO " + subject}
            if "Fill-in-the-Blank" in name:
                answer = str(ex.get("answer") or "").strip()
                if not answer:
                    skipped["GAOKAO: fill question without an answer"] += 1
                    continue
                rows.append({"type": "填空", "stem": ex["question"].strip(), "options": {},
                             "answer": [[answer]], **common})
                continue
            if len(ex["answer"]) != 1:
                skipped["GAOKAO: one item holds several questions (a 复合题 passage)"] += 1
                continue
            split = split_options(ex["question"])
            if split is None:
                skipped["GAOKAO: options A–D not found in the question text"] += 1
                continue
            letters = sorted(set(ex["answer"][0].strip().upper()))
            stem, opts = split
            rows.append({"type": "多选" if len(letters) > 1 else "选择题", "stem": stem, "options": opts,
                         "answer": "".join(letters), **common})
    return rows


def cmmlu_rows(src: Source, limit: int | None, skipped: collections.Counter) -> list[dict]:
    rows = []
    for name in src.files("data/test"):
        key = name.rsplit("/", 1)[1].removesuffix(".csv")
        if key not in CMMLU_SUBJECTS:
            continue
        reader = list(csv.DictReader(io.StringIO(src.read(name))))[:limit]
        for r in reader:
            opts = {k: (r[k] or "").strip() for k in "ABCD"}
            if not (r["Question"] or "").strip() or not all(opts.values()):
                skipped["CMMLU: empty stem or option"] += 1
                continue
            rows.append({"type": "单选", "stem": r["Question"].strip(), "options": opts,
                         "answer": r["Answer"].strip().upper(), "analysis": "", "subject": CMMLU_SUBJECTS[key],
                         "source": f"CMMLU {key}", "_where": f"{key}.csv#{r['']}",
                         "_file": "CMMLU " + (CMMLU_SUBJECTS[key] or key)})
    return rows


# --- the three paths ---------------------------------------------------------------------------------

def json_row(r: dict) -> dict:
    row = {k: v for k, v in r.items() if not k.startswith("_")}
    if not row["options"]:
        row.pop("options")
    return row


def writable(r: dict) -> bool:
    """A worksheet cell cannot hold control characters (GAOKAO-Bench has "\\bar" read as backspace + "ar")."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    texts = [r["stem"], r["analysis"], *r["options"].values(), json.dumps(r["answer"], ensure_ascii=False)]
    return not any(ILLEGAL_CHARACTERS_RE.search(t) for t in texts)


def xlsx_file(rows: list[dict]) -> bytes:
    from zhijiao.core.files import append_row, new_workbook, workbook_bytes
    from zhijiao.questions.answers import fill_answer_text

    wb = new_workbook(write_only=True)
    ws = wb.create_sheet("试题")
    append_row(ws, ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度", "知识点", "章节", "学科",
                    "来源", "共享"])
    for r in rows:
        answer = fill_answer_text(r["answer"]) if r["type"] == "填空" else r["answer"]
        append_row(ws, [r["type"], r["stem"], *[r["options"].get(k, "") for k in "ABCD"], answer, r["analysis"],
                        "", "", "", r["subject"], r["source"], ""])
    return workbook_bytes(wb)


def import_file(owner, name: str, content: bytes):
    """(row numbers refused with their messages, created) for one file, sent again without refused rows."""
    from zhijiao.questions import actions

    rows = actions.parse_import_file(name=name, content=content)
    result = actions.questions_import(owner=owner, rows=rows, skip_duplicates=False)
    if result.ok:
        return {}, len(result.created)
    refused = dict(result.errors)
    again = actions.questions_import(owner=owner, rows=[(n, r) for n, r in rows if n not in refused])
    return refused, len(again.created) if again.ok else -1


def import_api(client, token: str, rows: list[dict]):
    def post(payload):
        resp = client.post("/api/v1/questions/import", data=json.dumps(payload), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="localhost")
        return resp.status_code, resp.json()

    status, body = post({"questions": rows})
    if status == 201:
        return {}, body["created"]
    if status != 422:
        raise RuntimeError(f"API answered {status}: {body}")
    refused = {e["row"]: e["message"] for e in body["errors"]}
    status, body = post({"questions": [r for n, r in enumerate(rows, start=1) if n not in refused]})
    return refused, body["created"] if status == 201 else -1


# --- comparison ----------------------------------------------------------------------------------------

def expected(r: dict, subject_name) -> dict:
    if r["type"] == "填空":
        qtype, answer = "fill", r["answer"]
    else:
        letters = sorted(set(r["answer"]))
        qtype, answer = ("single", letters[0]) if len(letters) == 1 else ("multiple", letters)
    return {"qtype": qtype, "stem": r["stem"], "options": [(k, v) for k, v in sorted(r["options"].items()) if v],
            "answer": answer, "analysis": r["analysis"], "subject": subject_name(r["subject"]), "source": r["source"]}


def stored(q) -> dict:
    return {"qtype": q.qtype, "stem": q.stem, "options": [(o["key"], o["text"]) for o in q.options],
            "answer": q.answer, "analysis": q.analysis, "subject": q.subject.name if q.subject else None,
            "source": q.source}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("gaokao")
    ap.add_argument("cmmlu", nargs="?")
    ap.add_argument("--limit", type=int, default=None, help="the first N questions of each source file")
    args = ap.parse_args()
    os.environ.setdefault("ZHIJIAO_DATA_DIR", tempfile.mkdtemp(prefix="zj-bench-papers-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 422 of each refused batch is expected
    from zhijiao.accounts.actions import token_issue
    from zhijiao.accounts.models import Role, RoleKind, User
    from zhijiao.catalog.actions import catalog_load_shipped
    from zhijiao.catalog.models import Subject
    from zhijiao.core.models import NodeKind, OrgNode, child_path
    from zhijiao.questions.models import Question
    from zhijiao.questions.names import SUBJECT_NAMES

    catalog_load_shipped()
    catalog_names = set(Subject.objects.values_list("name", flat=True))

    def subject_name(raw):
        if not raw:
            return None
        return raw if raw in catalog_names else SUBJECT_NAMES.get(raw)

    skipped: collections.Counter = collections.Counter()
    sources = {"GAOKAO-Bench": Source(args.gaokao)}
    t = time.perf_counter()
    rows = gaokao_rows(sources["GAOKAO-Bench"], args.limit, skipped)
    if args.cmmlu:
        sources["CMMLU"] = Source(args.cmmlu)
        rows += cmmlu_rows(sources["CMMLU"], args.limit, skipped)
    print("sources: " + ", ".join(f"{k} @ {s.commit()}" for k, s in sources.items()))
    print(f"converted {len(rows)} rows in {time.perf_counter() - t:.1f} s; not converted: {sum(skipped.values())}")
    for why, n in skipped.most_common():
        print(f"  {n:>5}  {why}")
    print("\nrows per source and subject:")
    per_file = collections.Counter(r["_file"] for r in rows)
    for k, n in sorted(per_file.items()):
        types = collections.Counter(r["type"] for r in rows if r["_file"] == k)
        print(f"  {k:<24} {n:>5}  " + " ".join(f"{t}={c}" for t, c in sorted(types.items())))

    region = OrgNode.objects.create(kind=NodeKind.REGION, name="R", path=child_path("", 1), depth=0)
    district = OrgNode.objects.create(kind=NodeKind.DISTRICT, name="D", parent=region,
                                      path=child_path(region.path, 1), depth=1)
    school = OrgNode.objects.create(kind=NodeKind.SCHOOL, name="S", parent=district,
                                    path=child_path(district.path, 1), depth=2)
    batches = [rows[i:i + BATCH] for i in range(0, len(rows), BATCH)]
    client = Client()
    for path in ("xlsx", "json", "api"):
        owner = User.objects.create(username=f"bench_{path}", name=f"{path} 教师", must_change_password=False)
        Role.objects.create(user=owner, kind=RoleKind.TEACHER, node=school)
        token = token_issue(user=owner).key
        refused_rows: list[tuple[dict, str]] = []
        unwritable: list[dict] = []
        created = 0
        t = time.perf_counter()
        for batch in batches:
            if path == "xlsx":
                unwritable += [r for r in batch if not writable(r)]
                batch = [r for r in batch if writable(r)]
                refused, made = import_file(owner, "试题.xlsx", xlsx_file(batch))
                by_number = {n: r for n, r in enumerate(batch, start=2)}
            elif path == "json":
                body = json.dumps({"questions": [json_row(r) for r in batch]}, ensure_ascii=False).encode()
                refused, made = import_file(owner, "试题.json", body)
                by_number = {n: r for n, r in enumerate(batch, start=1)}
            else:
                refused, made = import_api(client, token, [json_row(r) for r in batch])
                by_number = {n: r for n, r in enumerate(batch, start=1)}
            if made < 0:
                print(f"  {path}: a batch was refused again after leaving out its refused rows")
                made = 0
            created += made
            refused_rows += [(by_number[n], msg) for n, msg in refused.items()]
            accepted = [r for n, r in by_number.items() if n not in refused]
            for r in accepted:
                r.setdefault("_accepted", {})[path] = True
        seconds = time.perf_counter() - t
        dups = [(r, m) for r, m in refused_rows if "重复" in m]
        bad = [(r, m) for r, m in refused_rows if "重复" not in m]
        accepted = [r for r in rows if r.get("_accepted", {}).get(path)]
        questions = list(Question.objects.filter(owner=owner, parent=None).select_related("subject").order_by("pk"))
        mismatches = []
        if len(questions) != len(accepted):
            mismatches.append(("count", f"{len(questions)} stored for {len(accepted)} accepted rows", ""))
        for r, q in zip(accepted, questions, strict=False):
            want, got = expected(r, subject_name), stored(q)
            for f in want:
                if want[f] != got[f]:
                    mismatches.append((r["_where"], f, f"sent {want[f]!r:.200} / stored {got[f]!r:.200}"))
        print(f"\n[{path}] {len(rows)} rows: imported {created}, refused {len(bad)}, duplicates within the source "
              f"{len(dups)}, mismatches after import {len(mismatches)}; {seconds:.1f} s "
              f"({1000 * seconds / max(1, len(rows)):.1f} ms per row)")
        reasons = collections.Counter(m for _r, m in bad)
        for m, n in reasons.most_common(5):
            print(f"  {n:>5}  {m[:160]}")
        per = collections.Counter(r["_file"] for r, _m in bad)
        if per:
            print("  refused by source: " + ", ".join(f"{k} {n}" for k, n in sorted(per.items())))
        per = collections.Counter(r["_file"] for r, _m in dups)
        if per:
            print("  duplicates by source: " + ", ".join(f"{k} {n}" for k, n in sorted(per.items())))
        if unwritable:
            print(f"  {len(unwritable)} rows not sent: a worksheet cell cannot hold their control characters "
                  f"(e.g. {unwritable[0]['_where']})")
        for r, m in bad[:3]:
            print(f"  e.g. {r['_where']}: {m[:120]}\n       stem {r['stem'][:80]!r} answer {r['answer']!r:.60}")
        for where, f, what in mismatches[:20]:
            print(f"  MISMATCH {where} {f}: {what}")


if __name__ == "__main__":
    main()
