"""Compare knowledge-tracing models (BKT, PFA, Elo) on held-out data; time one mastery update.

    uv run python bench/mastery.py                         # synthetic log from a known process
    uv run python bench/mastery.py --data skill_builder.csv --split student
    uv run python bench/mastery.py --data log.csv --split time --test-share 0.2
    uv run python bench/mastery.py --demo                  # also the demo district's own answers

CSV columns (header names, case-insensitive; the first alias present wins):
  student : student, user_id, student_id, studentid, anon_student_id
  skill   : skill, skill_id, skill_name, knowledge_point, kc, kc_id
  item    : item, problem_id, item_id, question_id, problemid, problem_name  (optional: the skill when absent)
  correct : correct, is_correct, outcome, correct_first_attempt
            (1/0, true/false, CORRECT/INCORRECT; other values such as partial credit are dropped)
  order   : order, order_id, timestamp, start_time, starttime, first_transaction_time  (optional: file order)
Spaces and hyphens in header names count as underscores ("Anon Student Id", "KC(Default)"), and the
delimiter (comma, tab, semicolon) is detected, so ASSISTments 2009/2012/2017 and KDD Cup 2010 / DataShop
exports load as they are.
Rows with an empty skill are dropped (as usual for ASSISTments). Rows are sorted by student, then order.
Fitting uses only the training part; AUC and RMSE are on the held-out part.
"""

import argparse
import csv
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zhijiao.learning import kt  # noqa: E402

ALIASES = {
    "student": ["student", "user_id", "student_id", "studentid", "anon_student_id", "user"],
    "skill": ["skill", "skill_id", "skill_name", "knowledge_point", "kc", "kc_id", "kc(default)"],
    "item": ["item", "problem_id", "item_id", "question_id", "question", "problem", "problemid", "problem_name"],
    "correct": ["correct", "is_correct", "outcome", "first_attempt_correct", "correct_first_attempt"],
    "order": ["order", "order_id", "timestamp", "start_time", "starttime", "first_transaction_time", "time", "ts"],
}


def _norm(h: str) -> str:
    # "Anon Student Id" (KDD Cup 2010, DataShop exports) and "anon_student_id" name the same column
    return re.sub(r"[\s\-]+", "_", h.strip().lower())


def _col(header: list[str], name: str, required: bool = True) -> int | None:
    lower = [_norm(h) for h in header]
    for alias in ALIASES[name]:
        if alias in lower:
            return lower.index(alias)
    if required:
        raise SystemExit(f"missing column for {name}: expected one of {', '.join(ALIASES[name])}")
    return None


def _correct(v: str):
    v = v.strip().lower()
    if v in {"1", "1.0", "true", "correct", "yes", "t"}:
        return 1
    if v in {"0", "0.0", "false", "incorrect", "no", "f", "hint"}:
        return 0
    return None


def load_csv(path: str) -> kt.Log:
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;") if sample else csv.excel
        reader = csv.reader(fh, dialect)
        header = next(reader)
        ci = {k: _col(header, k, required=k in ("student", "skill", "correct")) for k in ALIASES}
        rows = []
        codes = {"student": {}, "skill": {}, "item": {}}
        for n, r in enumerate(reader):
            try:
                skill = r[ci["skill"]].strip()
                y = _correct(r[ci["correct"]])
            except IndexError:
                continue
            if not skill or skill.lower() in {"nan", "na", "null"} or y is None:
                continue
            student = r[ci["student"]].strip()
            item = r[ci["item"]].strip() if ci["item"] is not None else skill
            order = r[ci["order"]].strip() if ci["order"] is not None else ""
            try:
                key = float(order)
            except ValueError:
                key = order or n
            rows.append((student, key, n, skill, item, y))
    rows.sort(key=lambda t: (t[0], t[1] if isinstance(t[1], float) else 0, str(t[1]), t[2]))

    def code(kind, v):
        d = codes[kind]
        if v not in d:
            d[v] = len(d)
        return d[v]

    a = np.array([(code("student", s), code("skill", k), code("item", i), y) for s, _o, _n, k, i, y in rows],
                 dtype=np.int64)
    return kt.Log(a[:, 0], a[:, 1], a[:, 2], a[:, 3].astype(float))


def load_demo() -> kt.Log:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
    import django

    django.setup()
    from zhijiao.learning.selectors import answer_log

    return answer_log()


def compare(name: str, log: kt.Log, *, split_by: str, test_share: float, seed: int) -> dict:
    train, test = kt.split(log, by=split_by, test_share=test_share, seed=seed)
    print(f"\n== {name}: {len(log)} answers, {len(np.unique(log.student))} students, "
          f"{len(np.unique(log.skill))} skills; split by {split_by}: train {len(train)}, held-out {len(test)}")
    print(f"{'model':6} {'AUC':>7} {'RMSE':>7} {'fit s':>7}")
    out = {}
    for model, (fit, predict) in kt.MODELS.items():
        t0 = time.perf_counter()
        params = fit(train)
        fit_s = time.perf_counter() - t0
        if split_by == "time":
            p, y = kt.evaluate_time_split(lambda lg: predict(params, lg), train, test)  # noqa: B023
        else:
            p, y = predict(params, test), test.correct
        out[model] = (kt.auc(y, p), kt.rmse(y, p))
        print(f"{model:6} {out[model][0]:7.4f} {out[model][1]:7.4f} {fit_s:7.2f}")
    best = max(out, key=lambda m: (out[m][0], -out[m][1]))
    print(f"better on this data: {best}")
    return out


def time_update(n: int = 20000) -> None:
    """Time of one mastery update in memory, as the platform computes it per knowledge point."""
    prm_pfa = {"beta": -0.2, "gamma": 0.5, "rho": -0.3}
    prm_bkt = dict(kt.BKT_DEFAULT)
    t0 = time.perf_counter()
    s = f = 0
    for i in range(n):
        kt.pfa_p(prm_pfa, s, f)
        s, f = (s + 1, f) if i % 3 else (s, f + 1)
    t_pfa = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    p = prm_bkt["l0"]
    for i in range(n):
        p = kt.bkt_update(p, bool(i % 3), prm_bkt)
    t_bkt = (time.perf_counter() - t0) / n
    print(f"\ntime per mastery update (model arithmetic only): pfa {t_pfa * 1e6:.2f} µs, bkt {t_bkt * 1e6:.2f} µs")


def time_db_update() -> None:
    """Time per graded answer including the database write, on a throwaway SQLite database."""
    import tempfile

    os.environ["ZHIJIAO_DATA_DIR"] = tempfile.mkdtemp(prefix="zhijiao-bench-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from zhijiao.accounts.models import User
    from zhijiao.catalog.models import KnowledgePoint, Stage, Subject
    from zhijiao.learning.actions import mastery_observe

    stage = Stage.objects.create(code="b-stage", name="小学", first_grade=1, last_grade=6)
    subject = Subject.objects.create(code="b-math", name="数学")
    kps = [KnowledgePoint.objects.create(code=f"b-kp{i}", name=f"kp{i}", stage=stage, subject=subject)
           for i in range(5)]
    students = [User.objects.create(username=f"b{i}") for i in range(20)]
    n = 1000
    t0 = time.perf_counter()
    for i in range(n):
        mastery_observe(student=students[i % 20], kp_ids=[kps[i % 5].pk], correct=bool(i % 3))
    dt = (time.perf_counter() - t0) / n
    print(f"time per mastery update incl. database (SQLite, one knowledge point): {dt * 1e3:.2f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="CSV answer log (see column names above)")
    ap.add_argument("--split", choices=["student", "time"], default="student")
    ap.add_argument("--test-share", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--demo", action="store_true", help="also evaluate on the demo database's own answers")
    ap.add_argument("--max-rows", type=int, default=0, help="use only the first N rows after sorting")
    args = ap.parse_args()
    if args.data:
        log = load_csv(args.data)
        if args.max_rows:
            log = log.take(np.arange(len(log)) < args.max_rows)
        compare(Path(args.data).name, log, split_by=args.split, test_share=args.test_share, seed=args.seed)
    else:
        log = kt.synthetic()
        compare("synthetic (BKT-style learning + ability + item difficulty)", log, split_by=args.split,
                test_share=args.test_share, seed=args.seed)
        compare("synthetic, split by time", log, split_by="time", test_share=args.test_share, seed=args.seed)
    if args.demo:
        compare("demo database answers", load_demo(), split_by=args.split, test_share=args.test_share,
                seed=args.seed)
    time_update()
    if not args.data and not args.demo:  # the database timing needs its own throwaway database
        time_db_update()


if __name__ == "__main__":
    main()
