"""Search benchmark: N realistic Chinese resource records in the tantivy backend, then query latency.

    uv run python bench/search.py                 # 1,000,000 documents (several minutes on 2 cores)
    uv run python bench/search.py --n 7600000     # the Chenghua design point
    uv run python bench/search.py --n 20000 --queries 300   # a quick look

What it does:
1. Generates N documents (deterministic seed) whose titles are composed from the shipped catalog's
   lesson titles (zhijiao/catalog/data/*.json) plus common lessons of other subjects, resource types,
   subjects, grades, editions and teacher names; visibility like a district library (levels, 266
   schools, sharing scope, ~12% not approved). No database rows: documents go straight into the
   backend through the same `to_tantivy` conversion (jieba segmentation and bigrams) the outbox drain
   and `zhijiao reindex` use, in one bulk write into a fresh index directory.
2. Runs at least 1,000 realistic queries (whole lesson titles, partial phrases like 勾股, two-character
   teacher names, subject + grade words, lesson + type) through `TantivyBackend.search(SearchQuery)`,
   the call `zhijiao.search.selectors.search_resources` makes, with the scope filter it builds for a
   teacher (`ScopeFilter(school_ids={their school}, contributor_id=their id)`), with and without facet
   counts and a facet filter. (search_resources also re-checks the page's ~20 ids against the database;
   that one indexed query is not part of this engine benchmark.)
3. Prints build time, index size and p50/p95/p99 latency per mode.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zhijiao.search import analyzer, tantivy_backend  # noqa: E402
from zhijiao.search.base import FACET_FIELDS, ScopeFilter, SearchDocument, SearchQuery  # noqa: E402
from zhijiao.search.tantivy_backend import TantivyBackend, analyse  # noqa: E402

SUBJECTS = [("yw", "语文"), ("sx", "数学"), ("yy", "英语"), ("wl", "物理"), ("hx", "化学"), ("sw", "生物"),
            ("ls", "历史"), ("dl", "地理"), ("dd", "道德与法治"), ("kx", "科学"), ("xx", "信息科技"), ("ms", "美术")]
SUBJECT_WEIGHTS = [22, 22, 12, 6, 5, 5, 5, 5, 5, 5, 4, 4]
EXTRA_LESSONS = {
    "sx": ["勾股定理", "勾股定理的逆定理", "一元二次方程", "一元一次方程", "二元一次方程组", "平面直角坐标系",
           "一次函数", "二次函数", "反比例函数", "全等三角形", "相似三角形", "轴对称", "因式分解", "有理数",
           "实数", "圆的面积", "圆柱与圆锥", "百分数", "比例", "锐角三角函数", "数据的收集", "概率初步"],
    "wl": ["牛顿第一定律", "欧姆定律", "机械能守恒", "电磁感应", "光的折射", "浮力", "压强", "声音的产生与传播"],
    "hx": ["化学方程式", "元素周期表", "酸碱中和", "氧化还原反应", "质量守恒定律", "溶液的浓度"],
    "sw": ["光合作用", "细胞分裂", "生态系统", "遗传与变异", "人体的消化与吸收"],
    "ls": ["秦统一中国", "丝绸之路", "辛亥革命", "五四运动", "改革开放"],
    "dl": ["地球的运动", "中国的地形", "气候与天气", "世界的人口"],
    "dd": ["友谊的天空", "法律伴我们成长", "珍爱生命", "中华优秀传统文化"],
    "kx": ["植物的一生", "水的三态变化", "简单电路", "月相变化"],
    "xx": ["认识计算机", "算法初步", "网络与安全", "数据编码"],
    "ms": ["色彩的冷暖", "线条的魅力", "中国画", "民间美术"],
    "yy": ["Hello", "Colours", "My family", "At the zoo", "Weather", "My school"],
}
TYPES = [("micro", "微课", 18), ("courseware", "课件", 22), ("lesson_plan", "教案", 14), ("study_plan", "学案", 6),
         ("task_sheet", "学习任务单", 8), ("exercise", "练习", 12), ("video", "视频课", 10), ("document", "文档", 6),
         ("textbook", "电子教材", 2), ("audio", "音频", 2)]
EDITIONS = [("rj", "人教版", 40), ("tb", "统编版", 25), ("bsd", "北师大版", 12), ("sj", "苏教版", 10), ("hj", "沪教版", 5),
            ("wy", "外研版", 8)]
GRADES = {1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级", 7: "七年级", 8: "八年级",
          9: "九年级", 10: "高一", 11: "高二", 12: "高三"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红娥建文辉力鹏宇浩然子涵梓轩欣怡思雨晨阳博文一诺"
TITLE_TEMPLATES = [
    ("{lesson} {type}", 30), ("{lesson}{type}", 10), ("{grade}{subject}《{lesson}》{type}", 15),
    ("{lesson}（{edition}{grade}{volume}）", 10), ("{type}：{lesson}", 10), ("{unit} {lesson} {type}", 10),
    ("{lesson} 第{n}课时 {type}", 10), ("{grade}{subject} {lesson} 区级优质课", 5),
]
DESC_TEMPLATES = [
    "本{type}围绕“{lesson}”展开，含情境导入、新知探究、课堂练习和小结，配套{edition}{grade}{subject}{volume}。",
    "聚焦“{lesson}”这一重难点，用生活实例帮助学生理解，适合课前预习或课后复习。",
    "{school}{author}老师的{type}，{unit}单元，{lesson}，附课后分层作业。",
]


def load_lessons() -> dict[str, list[tuple[str, str]]]:
    """subject code -> [(unit title, lesson title)] from the shipped catalog, plus common extra lessons."""
    out: dict[str, list[tuple[str, str]]] = {code: [] for code, _ in SUBJECTS}
    mapping = {"renjiao-shuxue": "sx", "tongbian-yuwen": "yw", "pep-yingyu": "yy"}
    for name, code in mapping.items():
        path = ROOT / "zhijiao" / "catalog" / "data" / f"{name}.json"
        if not path.exists():
            continue
        data = json.loads(path.read_text())

        def walk(nodes, target, unit=""):
            for n in nodes:
                if n.get("kind") == "lesson":
                    title = re.sub(r"^[\d\s]+", "", n["title"]).strip()
                    if title:
                        target.append((unit, title))
                walk(n.get("children", []), target, n["title"] if n.get("kind") == "unit" else unit)

        for book in data.get("books", []):
            walk(book.get("chapters", []), out[code])
    for code, lessons in EXTRA_LESSONS.items():
        out[code].extend((f"第{i % 8 + 1}单元", lesson) for i, lesson in enumerate(lessons))
    return out


def person(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


CHUNK = 5000


def documents(first: int, n: int, seed: int, lessons, teachers):
    """Documents first .. first+n-1; each chunk of CHUNK ids has its own seed (so workers can split them)."""
    rng = random.Random(seed * 1_000_003 + first // CHUNK)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    codes = [c for c, _ in SUBJECTS]
    names = dict(SUBJECTS)
    types = [(c, label) for c, label, _ in TYPES]
    type_w = [w for *_x, w in TYPES]
    editions = [(c, label) for c, label, _ in EDITIONS]
    ed_w = [w for *_x, w in EDITIONS]
    templates = [t for t, _ in TITLE_TEMPLATES]
    tw = [w for _, w in TITLE_TEMPLATES]
    for pk in range(first, first + n):
        subj = rng.choices(codes, SUBJECT_WEIGHTS)[0]
        unit, lesson = rng.choice(lessons[subj])
        grade = rng.randint(1, 12) if subj not in ("sx", "yw", "yy") else rng.randint(1, 9)
        tcode, tlabel = rng.choices(types, type_w)[0]
        ecode, elabel = rng.choices(editions, ed_w)[0]
        volume = rng.choice(["上册", "下册"])
        school = rng.randrange(1, 267)
        author_id, author = rng.choice(teachers[school])
        ctx = {"lesson": lesson, "type": tlabel, "grade": GRADES[grade], "subject": names[subj], "edition": elabel,
               "volume": volume, "unit": unit, "n": rng.randint(1, 3), "school": f"第{school}小学", "author": author}
        title = rng.choices(templates, tw)[0].format(**ctx)
        desc = rng.choice(DESC_TEMPLATES).format(**ctx)
        r = rng.random()
        level = "national" if r < 0.05 else "district" if r < 0.30 else "school"
        r = rng.random()
        status = "approved" if r < 0.88 else "pending_school" if r < 0.95 else "rejected"
        yield SearchDocument(
            id=pk, title=title, description=desc, tags=(tlabel, names[subj]), authors=(author,),
            chapters=(f"{unit} > {lesson}",), knowledge_points=(lesson,),
            keywords=(names[subj], GRADES[grade], elabel, tlabel),
            section="jc", stage="xx" if grade <= 6 else "cz" if grade <= 9 else "gz", subject=subj,
            grade=str(grade), edition=ecode, type=tcode, level=level, status=status,
            owner_school_id=None if level != "school" else school, contributor_id=author_id,
            sharing_scope="school" if level == "school" and rng.random() < 0.4 else "district",
            created=start + timedelta(minutes=rng.randrange(0, 3_000_000)), view_count=int(rng.paretovariate(1.2)),
        )


_worker_state: dict = {}


def _init_worker(seed):
    lessons = load_lessons()
    rng = random.Random(seed)
    _worker_state.update(seed=seed, lessons=lessons, teachers=make_teachers(rng))
    analyzer.warm_up()


def _analysed_chunk(args):
    """In a worker: generate one chunk of documents and run the analyzer over it (jieba + bigrams)."""
    first, n = args
    st = _worker_state
    return [analyse(d) for d in documents(first, n, st["seed"], st["lessons"], st["teachers"])]


def make_teachers(rng):
    return {s: [(s * 1000 + i, person(rng)) for i in range(38)] for s in range(1, 267)}  # ~10,000 teachers


def make_queries(count: int, seed: int, lessons, teachers) -> list[tuple[str, str]]:
    """(kind, text) pairs: the kinds of query a teacher types, in a fixed mix."""
    rng = random.Random(seed + 1)
    all_lessons = [lesson for ls in lessons.values() for _u, lesson in ls if re.search(r"[\u4e00-\u9fff]", lesson)]
    names = [n for ts in teachers.values() for _i, n in ts]
    kinds = ["title", "partial", "name", "subject_grade", "lesson_type", "title", "partial"]
    out = []
    while len(out) < count:
        kind = kinds[len(out) % len(kinds)]
        if kind == "title":
            out.append((kind, rng.choice(all_lessons)))
        elif kind == "partial":
            lesson = re.sub(r"[^\u4e00-\u9fff]", "", rng.choice(all_lessons))
            if len(lesson) >= 3:
                i = rng.randrange(0, len(lesson) - 1)
                out.append((kind, lesson[i : i + rng.choice([2, 2, 3])]))
        elif kind == "name":
            name = rng.choice(names)
            out.append((kind, name[-2:] if len(name) == 3 and rng.random() < 0.5 else name[:2]))
        elif kind == "subject_grade":
            out.append((kind, f"{rng.choice(list(GRADES.values())[:9])} {rng.choice(['语文', '数学', '英语'])}"))
        else:
            out.append((kind, f"{rng.choice(all_lessons)} {rng.choice(['微课', '课件', '教案', '学习任务单'])}"))
    return out


SCOPED = "text + scope (as search_resources)"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--dir", default="", help="index directory (default: a temporary one, removed at the end)")
    ap.add_argument("--keep", action="store_true", help="keep the index directory")
    ap.add_argument("--reuse", action="store_true", help="query an index already built in --dir (skip the build)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="processes generating and analysing documents (the index writer is one)")
    args = ap.parse_args()

    root = Path(args.dir or tempfile.mkdtemp(prefix="zhijiao-search-bench-"))
    backend = TantivyBackend(root)
    backend.writer_heap = 512_000_000
    lessons = load_lessons()
    rng = random.Random(args.seed)
    teachers = make_teachers(rng)
    print(f"lessons: {sum(len(v) for v in lessons.values())} across {len(lessons)} subjects; teachers: "
          f"{sum(len(v) for v in teachers.values())}; documents: {args.n:,}")

    if args.reuse and (root / "current").exists():
        analyzer.warm_up()
        print(f"reusing the index in {root}: {backend.count():,} documents")
    else:
        t0 = time.perf_counter()
        analyzer.warm_up()
        t_init = time.perf_counter() - t0
        gen = backend.new_generation()
        t0 = time.perf_counter()
        last = [t0]

        def progress(docs):
            for i, d in enumerate(docs, 1):
                if i % 100_000 == 0:
                    now = time.perf_counter()
                    print(f"  {i:>10,} docs  {100_000 / (now - last[0]):,.0f} docs/s", flush=True)
                    last[0] = now
                yield d

        chunks = [(first, min(CHUNK, args.n - first + 1)) for first in range(1, args.n + 1, CHUNK)]
        if args.workers > 1:
            import multiprocessing as mp

            pool = mp.get_context("fork").Pool(args.workers, initializer=_init_worker, initargs=(args.seed,))
            stream = (d for chunk in pool.imap(_analysed_chunk, chunks) for d in chunk)
        else:
            _init_worker(args.seed)
            pool = None
            stream = (d for chunk in map(_analysed_chunk, chunks) for d in chunk)
        written = backend.write(progress(stream), replace=False, path=gen)
        if pool is not None:
            pool.close()
        backend.swap_in(gen)
        build = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in gen.rglob("*") if f.is_file())
        print(f"jieba initialisation: {t_init:.2f} s (once per process)")
        print(f"build: {written:,} documents in {build:.1f} s ({written / build:,.0f} docs/s; generation + jieba "
              f"analysis in {args.workers} process(es), one index writer); index size {size / 1e6:.0f} MB; segments "
              f"{backend._index().searcher().num_segments}")

    queries = make_queries(args.queries, args.seed, lessons, teachers)
    teacher_school = 7
    teacher_scope = ScopeFilter(school_ids=frozenset({teacher_school}), contributor_id=teacher_school * 1000 + 3)
    modes = {
        "text only, no scope": lambda text: SearchQuery(text=text, scope=ScopeFilter(everything=True)),
        SCOPED: lambda text: SearchQuery(text=text, scope=teacher_scope),
        "text + scope + 7 facet counts": lambda text: SearchQuery(text=text, scope=teacher_scope,
                                                                  facets=FACET_FIELDS),
        "text + scope + facet filter (数学)": lambda text: SearchQuery(text=text, scope=teacher_scope,
                                                                     filters={"subject": ["sx"]}),
        "text + scope, newest first": lambda text: SearchQuery(text=text, scope=teacher_scope, sort="newest"),
    }
    for _kind, text in queries[:50]:  # warm the page cache and the analyzer's query cache
        backend.search(SearchQuery(text=text, scope=teacher_scope))
    examples = ", ".join(text for _kind, text in queries[:7])
    print(f"\n{len(queries)} queries per mode (e.g. {examples}); latency in ms, one thread:")
    print(f"{'mode':<40}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'avg hits':>12}")
    by_kind: dict[str, list[float]] = {}
    for name, make in modes.items():
        times, totals = [], []
        for kind, text in queries:
            q = make(text)
            tantivy_backend._facet_cache.clear()  # measure first pages: no counts reused from a repeat
            t = time.perf_counter()
            r = backend.search(q)
            times.append((time.perf_counter() - t) * 1000)
            totals.append(r.total)
            if name == SCOPED:
                by_kind.setdefault(kind, []).append(times[-1])
        print(f"{name:<40}{pct(times, 50):>8.2f}{pct(times, 95):>8.2f}{pct(times, 99):>8.2f}{max(times):>8.1f}"
              f"{statistics.mean(totals):>12,.0f}")
    print(f"\nby kind of query, mode '{SCOPED}':")
    for kind, times in by_kind.items():
        print(f"  {kind:<38}{pct(times, 50):>8.2f}{pct(times, 95):>8.2f}{pct(times, 99):>8.2f}{max(times):>8.1f}"
              f"{len(times):>12,}")
    zero = sum(1 for _kind, text in queries if backend.search(SearchQuery(text=text, scope=teacher_scope)).total == 0)
    print(f"queries with no visible hit for the teacher: {zero} of {len(queries)}")
    if not args.keep and not args.dir:
        shutil.rmtree(root, ignore_errors=True)
    elif args.keep:
        print(f"index kept at {root}")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
    main()
