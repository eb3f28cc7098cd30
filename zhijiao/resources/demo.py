"""Demo data of the resource library: a realistic library over the catalog's chapters.

`small`: a few hundred items with tiny generated files (content-addressed, so six files serve all),
some waiting for review in the first school and at the district, the demo teacher's own uploads
in every state. `district`: hundreds of thousands of items by bulk insert, no files.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta
from itertools import accumulate

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from zhijiao.accounts.models import Role, RoleKind, User
from zhijiao.catalog.models import Book, Chapter, Edition, KnowledgePoint, Section, Stage, Subject
from zhijiao.core.actions import notify
from zhijiao.demo import bulk
from zhijiao.resources import samples
from zhijiao.resources.models import (
    Comment,
    CommentStatus,
    Decision,
    Favourite,
    Level,
    Licence,
    PointsAccount,
    PointsEvent,
    PointsLedger,
    Rating,
    Resource,
    ResourceFile,
    ResourceType,
    Review,
    Sharing,
    Status,
)

COUNTS = {"small": 300, "district": 300_000}

T = ResourceType
# (type, weight, title template, description template); {lesson} = lesson title, {unit} = unit title.
TEMPLATES = [
    (T.LESSON_PLAN, 14, "《{lesson}》第一课时 教学设计",
     "本设计依据义务教育课程标准，围绕“{focus}”展开，包括教学目标、教学重难点、教学过程与板书设计，"
     "附课后反思，适合{book}第一课时使用。"),
    (T.LESSON_PLAN, 6, "《{lesson}》第二课时 教学设计",
     "在第一课时基础上巩固“{focus}”，设计小组合作与分层练习环节，兼顾学困生与学有余力的学生。"),
    (T.MICRO, 14, "{lesson} 微课：{focus}",
     "5 分钟以内的微课，聚焦“{focus}”这一重难点，用动画演示和生活实例帮助学生理解，可用于课前预习或课后复习。"),
    (T.COURSEWARE, 14, "{lesson} 课件",
     "与教材同步的教学课件，含情境导入、新知探究、课堂练习和课堂小结，配套{book}。"),
    (T.STUDY_PLAN, 6, "《{lesson}》导学案", "学生课前自主学习用的导学案：学习目标、预习任务、自我检测和疑问记录。"),
    (T.TASK_SHEET, 6, "{lesson} 学习任务单", "课堂学习任务单，分“基础任务—挑战任务”两层，配合小组合作学习使用。"),
    (T.EXERCISE, 10, "{lesson} 课后分层练习", "A 组基础巩固、B 组能力提升、C 组拓展探究，附参考答案与评分建议。"),
    (T.VIDEO, 10, "{lesson}（{book}）名师课堂", "区级优质课完整课堂实录，执教教师结合“{focus}”进行示范教学。"),
    (T.AUDIO, 4, "《{lesson}》课文朗读", "标准普通话示范朗读音频，可用于课前听读和课后跟读。"),
    (T.IMAGE, 4, "《{lesson}》板书设计", "本课板书设计图，突出“{focus}”的知识结构。"),
    (T.DOCUMENT, 6, "{unit} 单元教学分析", "本单元教材分析、学情分析、单元目标与课时安排建议，供集体备课参考。"),
    (T.LINK, 6, "{lesson}：国家中小学智慧教育平台同步课程", "链接到国家中小学智慧教育平台的同步课程，可直接在线观看。"),
]
NATIONAL_AUTHORS = ["国家中小学智慧教育平台", "人民教育出版社", "北京师范大学出版社", "教育部基础教育课程教材发展中心"]
COMMENTS = ["讲解很清楚，学生很喜欢。", "课件结构清晰，已在我班使用，效果不错。", "练习分层设计得好，推荐给组里老师。",
            "微课时长合适，重难点突出。", "板书设计值得借鉴。", "建议补充一些拓展题。"]
FOCUS_FALLBACK = ["重难点精讲", "易错点辨析", "知识梳理", "方法总结", "情境导入"]
NUMBERING = re.compile(r"^(?:识字|课文|阅读|口语交际)?\s*\d+\s*[、.．]?\s*")


def _plain(title: str) -> str:
    """A lesson title without its textbook numbering: "识字 5 对韵歌" → "对韵歌", "2 花的学校" → "花的学校"."""
    return NUMBERING.sub("", title).strip() or title


TAGS = ["同步", "新课标", "公开课", "优质课", "大单元", "分层作业", "双减", "情境教学"]


# --- a small fallback catalog (only when the catalog app has put no books in the demo) ----------------

FALLBACK = [
    ("primary", "chinese", "tongbian", 1, "上", [("识字", ["天地人", "金木水火土", "口耳目"]),
                                                ("汉语拼音", ["a o e", "i u ü y w"])]),
    ("primary", "math", "pep", 1, "上", [("准备课", ["数一数", "比多少"]), ("1~5的认识和加减法", ["1~5的认识", "分与合"])]),
    ("primary", "chinese", "tongbian", 3, "上", [("第一单元", ["大青树下的小学", "花的学校", "不懂就要问"]),
                                                ("第二单元", ["古诗三首", "铺满金色巴掌的水泥道", "秋天的雨"])]),
    ("primary", "math", "pep", 3, "上", [("时、分、秒", ["秒的认识", "时间的计算"]),
                                        ("万以内的加法和减法（一）", ["两位数加两位数", "几百几十加减几百几十"])]),
    ("primary", "english", "pep", 3, "上", [("Unit 1 Hello!", ["Part A", "Part B"]), ("Unit 2 Colours", ["Part A", "Part B"])]),
    ("junior", "math", "pep", 7, "上", [("第一章 有理数", ["正数和负数", "有理数"]), ("第二章 整式的加减", ["整式", "整式的加减"])]),
]


def _fallback_catalog() -> None:
    section, _ = Section.objects.get_or_create(code="course", defaults={"name": "课程教学", "order": 1})
    stages = {"primary": Stage.objects.get_or_create(code="primary", defaults={"name": "小学", "first_grade": 1,
                                                                                "last_grade": 6, "order": 1})[0],
              "junior": Stage.objects.get_or_create(code="junior", defaults={"name": "初中", "first_grade": 7,
                                                                              "last_grade": 9, "order": 2})[0]}
    subjects = {code: Subject.objects.get_or_create(code=code, defaults={"name": name, "order": i})[0]
                for i, (code, name) in enumerate([("chinese", "语文"), ("math", "数学"), ("english", "英语")])}
    editions = {code: Edition.objects.get_or_create(code=code, defaults={"name": name, "publisher": pub})[0]
                for code, name, pub in [("tongbian", "统编版", "人民教育出版社"), ("pep", "人教版", "人民教育出版社")]}
    grade_names = {1: "一年级", 3: "三年级", 7: "七年级"}
    for stage, subject, edition, grade, volume, units in FALLBACK:
        sub, ed = subjects[subject], editions[edition]
        name = f"{ed.name}{sub.name}{grade_names[grade]}{volume}册"
        book = Book.objects.create(code=f"{stage}-{subject}-{edition}-{grade}{'a' if volume == '上' else 'b'}",
                                   stage=stages[stage], subject=sub, edition=ed, grade_level=grade, volume=volume,
                                   name=name)
        for ui, (unit, lessons) in enumerate(units, start=1):
            upath = f"{ui:04d}."
            u = Chapter.objects.create(book=book, kind="unit", title=unit, order=ui, path=upath, depth=0,
                                       key=f"{book.code}/{upath}", title_path=f"{name} / {unit}")
            for li, lesson in enumerate(lessons, start=1):
                lpath = f"{upath}{li:04d}."
                c = Chapter.objects.create(book=book, parent=u, kind="lesson", title=lesson, order=li, path=lpath,
                                           depth=1, key=f"{book.code}/{lpath}", title_path=f"{name} / {unit} / {lesson}")
                kp = KnowledgePoint.objects.create(code=f"{book.code}-{ui}-{li}", name=lesson, stage=stages[stage],
                                                   subject=sub)
                kp.chapters.add(c)
    del section


# --- sample files -------------------------------------------------------------------------------------------

SAMPLE_FILES = {
    "pdf": ("application/pdf", "pdf", lambda: samples.pdf("zhijiao demo")),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx",
             lambda: samples.docx("教学设计")),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx",
             lambda: samples.pptx("课件")),
    "mp4": ("video/mp4", "mp4", lambda: samples.mp4(240, payload=4096)),
    "mp3": ("audio/mpeg", "mp3", lambda: samples.mp3(30)),
    "png": ("image/png", "png", lambda: samples.png(8, 6)),
}
FILE_FOR_TYPE = {T.LESSON_PLAN: "docx", T.STUDY_PLAN: "docx", T.TASK_SHEET: "pdf", T.EXERCISE: "pdf",
                 T.COURSEWARE: "pptx", T.MICRO: "mp4", T.VIDEO: "mp4", T.AUDIO: "mp3", T.IMAGE: "png",
                 T.DOCUMENT: "pdf", T.TEXTBOOK: "pdf"}


def _store_samples() -> dict[str, tuple[str, str, int, str]]:
    import hashlib

    stored = {}
    for key, (mime, ext, make) in SAMPLE_FILES.items():
        data = make()
        sha = hashlib.sha256(data).hexdigest()
        path = f"resources/{sha[:2]}/{sha}.{ext}"
        if not default_storage.exists(path):
            default_storage.save(path, ContentFile(data))
        stored[key] = (path, mime, len(data), sha)
    return stored


# --- build ------------------------------------------------------------------------------------------------


def build(ctx, *, count: int | None = None) -> None:
    """The demo library for ctx.size; `count` overrides the number of items (benchmarks add more this way)."""
    rng = random.Random(ctx.rng.random())
    if not Book.objects.exists():
        _fallback_catalog()
    leaves = list(Chapter.objects.filter(children__isnull=True).select_related("book__subject", "parent")
                  .order_by("book__grade_level", "book_id", "path"))
    if not leaves:
        return
    small = ctx.size == "small"
    total = count if count is not None else COUNTS.get(ctx.size, COUNTS["small"])
    section = (Section.objects.filter(code__in=["kcjx", "course"]).order_by("order", "pk").first()
               or Section.objects.order_by("order", "pk").first())
    kp_by_chapter: dict[int, list[int]] = {}
    for kp_id, ch_id in KnowledgePoint.chapters.through.objects.filter(chapter__in=leaves).values_list(
            "knowledgepoint_id", "chapter_id"):
        kp_by_chapter.setdefault(ch_id, []).append(kp_id)
    kp_names = dict(KnowledgePoint.objects.filter(pk__in={k for ks in kp_by_chapter.values() for k in ks})
                    .values_list("pk", "name"))

    school_ids = [s.pk for s in ctx.schools]
    teachers: dict[int, list[int]] = {}
    for node_id, user_id in Role.objects.filter(kind=RoleKind.TEACHER, node_id__in=school_ids).values_list(
            "node_id", "user_id").order_by("user_id"):
        teachers.setdefault(node_id, []).append(user_id)
    names = dict(User.objects.filter(pk__in={u for us in teachers.values() for u in us}).values_list("pk", "name"))
    admins = set(Role.objects.filter(kind__in=[RoleKind.SCHOOL_ADMIN, RoleKind.CIO]).values_list("user_id", flat=True))
    first_school = school_ids[0]
    laoshi = User.objects.filter(username="laoshi").values_list("pk", flat=True).first()
    laoshi2 = User.objects.filter(username="laoshi2").values_list("pk", flat=True).first()

    # Leaves of low grades first, so the demo student (一年级) and teachers find items on their books.
    focus = [c for c in leaves if (c.book.grade_level or 99) in (1, 3)]
    order = focus * 2 + leaves
    cum_weights = list(accumulate(w for _t, w, _ti, _d in TEMPLATES))  # as choices(weights=...) computes each call
    now = timezone.now()
    section_id = section.pk if section else None
    rows: list[dict] = []  # field values (a Resource instance per row would cost more than writing it)
    links: list[tuple[int, int]] = []  # (row index, chapter id)
    kps: list[tuple[int, int]] = []
    used_titles: set[str] = set()
    for i in range(total):
        ch = order[i % len(order)] if i < len(order) else rng.choice(leaves)
        rtype, _w, title_t, desc_t = rng.choices(TEMPLATES, cum_weights=cum_weights)[0]
        book = ch.book
        lesson = _plain(ch.title)
        unit = _plain(ch.parent.title) if ch.parent_id else lesson
        if lesson.isascii() and ch.parent_id and lesson.startswith(("Part", "Let's", "Read", "Story")):
            lesson = f"{unit} {lesson}"  # "Unit 1 Hello! Part A", not a bare "Part A"
        ch_kps = kp_by_chapter.get(ch.pk, [])
        focus_names = [kp_names[k] for k in ch_kps if _plain(kp_names[k]) != lesson]
        focus_name = rng.choice(focus_names) if focus_names else rng.choice(FOCUS_FALLBACK)
        title = title_t.format(lesson=lesson, unit=unit, focus=focus_name, book=book.name)
        if title in used_titles:
            title = f"{title}（{rng.choice(['第二版', '修订版', '区级优质课', '校本版', '精品'])}）"
        used_titles.add(title)
        description = desc_t.format(lesson=lesson, unit=unit, focus=focus_name, book=book.name)
        roll = rng.random()
        if roll < 0.25:
            level, school, contributor, sharing = Level.NATIONAL, None, None, Sharing.PUBLIC
            authors = rng.choice(NATIONAL_AUTHORS)
        else:
            school = first_school if (small and rng.random() < 0.3) else rng.choice(school_ids)
            pool = [t for t in teachers.get(school, []) if t not in admins] or teachers.get(school, []) or [None]
            contributor = rng.choice(pool)
            authors = names.get(contributor, "")
            if roll < 0.45:
                level, sharing = Level.DISTRICT, rng.choice([Sharing.DISTRICT, Sharing.PUBLIC])
            else:
                level, sharing = Level.SCHOOL, rng.choice([Sharing.SCHOOL, Sharing.DISTRICT, Sharing.DISTRICT])
        status = Status.APPROVED
        if contributor is not None:
            s = rng.random()
            if s < 0.07:
                status = Status.PENDING_SCHOOL if level == Level.SCHOOL else Status.PENDING_DISTRICT
            elif s < 0.09:
                status = Status.CHANGES_REQUESTED
            elif s < 0.10:
                status = Status.REJECTED
            elif s < 0.11:
                status = Status.DRAFT
        created = now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1440))
        published = created + timedelta(days=rng.randint(0, 5)) if status == Status.APPROVED else None
        views = int(min(50_000, rng.paretovariate(1.1) * 15)) if published else 0
        downloads = int(views * rng.uniform(0.05, 0.3))
        rating_count = int(views * rng.uniform(0, 0.05))
        rows.append(dict(
            type=rtype, title=title[:200], description=description, authors=authors, contributor_id=contributor,
            school_id=school, level=level, sharing=sharing, section_id=section_id, stage_id=book.stage_id,
            subject_id=book.subject_id, edition_id=book.edition_id, grade_level=book.grade_level, volume=book.volume,
            duration_seconds=(rng.randint(120, 300) if rtype == T.MICRO else rng.randint(1800, 2700)
                              if rtype == T.VIDEO else rng.randint(60, 400) if rtype == T.AUDIO else None),
            licence=rng.choice([Licence.CC_BY_NC, Licence.CC_BY_NC_SA, Licence.ALL_RIGHTS]),
            tags=rng.sample(TAGS, 2),
            external_url=(f"https://basic.smartedu.cn/syncClassroom/classActivity?activityId=demo-{i}"
                          if rtype == T.LINK else ""),
            status=status, created_at=created, submitted_at=created if status != Status.DRAFT else None,
            published_at=published, view_count=views, download_count=downloads,
            favourite_count=int(downloads * rng.uniform(0.1, 0.5)), rating_count=rating_count,
            rating_sum=sum(rng.choice((3, 4, 4, 5, 5)) for _ in range(rating_count)),
        ))
        links.append((i, ch.pk))
        for kp in ch_kps[:2]:
            kps.append((i, kp))

    if small:
        # The first school's reviewers always find some work in their queue.
        queued = [r for r in rows if r["school_id"] == first_school and r["level"] == Level.SCHOOL
                  and r["contributor_id"] not in (laoshi, None)][:4]
        for r in queued:
            r.update(status=Status.PENDING_SCHOOL, published_at=None, view_count=0, download_count=0,
                     favourite_count=0, rating_count=0, rating_sum=0)

    # The documented teacher's own uploads, one in each state (small demo only).
    mine = []
    if small and laoshi:
        math_leaves = [c for c in leaves if c.book.subject.name == "数学"] or leaves
        states = [Status.APPROVED, Status.APPROVED, Status.APPROVED, Status.PENDING_SCHOOL,
                  Status.CHANGES_REQUESTED, Status.DRAFT]
        for k, st in enumerate(states):
            ch = math_leaves[k % len(math_leaves)]
            rtype = [T.MICRO, T.COURSEWARE, T.EXERCISE, T.LESSON_PLAN, T.MICRO, T.TASK_SHEET][k]
            lesson = _plain(ch.title)
            title = {T.MICRO: f"{lesson} 微课：一分钟学会关键一步", T.COURSEWARE: f"{lesson} 课件（校本版）",
                     T.EXERCISE: f"{lesson} 课后分层练习（校本）", T.LESSON_PLAN: f"《{lesson}》第一课时 教学设计（校本）",
                     T.TASK_SHEET: f"{lesson} 学习任务单（草稿）"}[rtype]
            if k == 4:
                title = f"{lesson} 微课：易错题讲解"
            created = now - timedelta(days=30 - k * 3)
            rows.append(dict(
                type=rtype, title=title, description="本人原创，已在一年级(1)班试用。", authors=names.get(laoshi, ""),
                contributor_id=laoshi, school_id=first_school, level=Level.SCHOOL, sharing=Sharing.DISTRICT,
                section_id=section_id, stage_id=ch.book.stage_id, subject_id=ch.book.subject_id,
                edition_id=ch.book.edition_id, grade_level=ch.book.grade_level, volume=ch.book.volume,
                duration_seconds=240 if rtype == T.MICRO else None, licence=Licence.CC_BY_NC, tags=["校本"],
                status=st, created_at=created, submitted_at=created if st != Status.DRAFT else None,
                published_at=created + timedelta(days=1) if st == Status.APPROVED else None,
                view_count=40 - k if st == Status.APPROVED else 0, download_count=5 if st == Status.APPROVED else 0))
            links.append((len(rows) - 1, ch.pk))
            mine.append(len(rows) - 1)

    bar = bulk.progress_bar(getattr(ctx, "tqdm_factory", None), len(rows) + len(links) + len(kps), "资源 resources")
    through = Resource.chapters.through
    kthrough = Resource.knowledge_points.through
    with bar, bulk.loading(Resource, through, kthrough):  # PostgreSQL: COPY, indexes built after the load
        ids = bulk.insert_dicts(Resource, rows, batch=2000, tick=bar.update)
        if ids[0] is None:  # backends without RETURNING ids on bulk insert
            ids = list(Resource.objects.order_by("-pk").values_list("pk", flat=True)[: len(rows)])[::-1]
        bulk.insert_values(through, ("resource_id", "chapter_id"), [(ids[i], c) for i, c in links],
                           tick=bar.update)
        bulk.insert_values(kthrough, ("resource_id", "knowledgepoint_id"), [(ids[i], k) for i, k in kps],
                           tick=bar.update)
    ctx.progress(f"{len(rows)} resources")
    if not small:
        # Fresh planner statistics after a bulk load, or PostgreSQL plans browse pages as if the table
        # were empty (measured: 2 s instead of 10 ms per page at 50,000 items).
        with connection.cursor() as cursor:
            for model in (Resource, through, kthrough):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        return

    rows = [Resource(pk=pk, **row) for pk, row in zip(ids, rows, strict=True)]  # the small demo's extras use them
    # Files: six tiny generated files, shared by content address.
    stored = _store_samples()
    files = []
    for r in rows:
        key = FILE_FOR_TYPE.get(r.type)
        if key is None:
            continue
        path, mime, size, sha = stored[key]
        ext = path.rsplit(".", 1)[-1]
        files.append(ResourceFile(resource_id=r.pk, file=path, original_name=f"{r.title[:60]}.{ext}", mime_type=mime,
                                  size=size, sha256=sha, created_at=r.created_at))
    ResourceFile.objects.bulk_create(files, batch_size=2000)

    # Review history, the demo teacher's notification and points.
    reviews = []
    for r in rows:
        if r.contributor_id is None:
            continue
        stage = Level.SCHOOL if r.level == Level.SCHOOL else Level.DISTRICT
        reviews.append(Review(resource_id=r.pk, decision=Decision.SUBMITTED, stage=stage, reviewer_id=r.contributor_id,
                              at=r.created_at))
        if r.status == Status.APPROVED:
            reviews.append(Review(resource_id=r.pk, decision=Decision.APPROVED, stage=stage, at=r.published_at))
        elif r.status in (Status.CHANGES_REQUESTED, Status.REJECTED):
            reviews.append(Review(resource_id=r.pk, decision=r.status, stage=stage, at=r.created_at + timedelta(days=1),
                                  reason="请补充教学反思，并核对练习题答案。" if r.status == Status.CHANGES_REQUESTED
                                  else "内容与所选章节不符。"))
    Review.objects.bulk_create(reviews, batch_size=2000)
    if mine:
        changes = rows[mine[4]]
        notify(users=[laoshi], kind="review_changes_requested", title=f"您上传的资源《{changes.title}》需要修改",
               body="请补充教学反思，并核对练习题答案。", url=f"/resources/{changes.pk}/")
        balance, ledger = 0, []
        for k in mine[:3]:
            for event, pts in ((PointsEvent.APPROVED, 10), (PointsEvent.VIEWED, 5), (PointsEvent.RATED, 3)):
                balance += pts
                ledger.append(PointsLedger(user_id=laoshi, event=event, points=pts, balance_after=balance,
                                           resource_id=rows[k].pk, at=rows[k].published_at + timedelta(hours=len(ledger))))
        PointsLedger.objects.bulk_create(ledger)
        PointsAccount.objects.create(user_id=laoshi, balance=balance)

    # A little use by the demo accounts: favourites, ratings, comments (two waiting for moderation).
    approved = [r for r in rows if r.status == Status.APPROVED]
    first_school_items = [r for r in approved if r.school_id == first_school and r.contributor_id != laoshi]
    xuesheng = User.objects.filter(username="xuesheng").values_list("pk", flat=True).first()
    favs, ratings, comments = [], [], []
    for uid, picks in ((laoshi, approved[:6]), (laoshi2, approved[6:10]), (xuesheng, first_school_items[:3])):
        if not uid:
            continue
        for r in picks:
            favs.append(Favourite(user_id=uid, resource_id=r.pk))
    for r in approved[:12]:
        for uid in (laoshi, laoshi2):
            if uid and uid != r.contributor_id:
                ratings.append(Rating(user_id=uid, resource_id=r.pk, score=rng.choice((4, 5))))
    for k, r in enumerate(first_school_items[:6]):
        author = laoshi2 if k % 2 else laoshi
        if not author:
            continue
        comments.append(Comment(resource_id=r.pk, author_id=author, body=COMMENTS[k % len(COMMENTS)],
                                status=CommentStatus.PENDING if k >= 4 else CommentStatus.VISIBLE,
                                created_at=(r.published_at or now) + timedelta(days=2)))
    Favourite.objects.bulk_create(favs, ignore_conflicts=True)
    Rating.objects.bulk_create(ratings, ignore_conflicts=True)
    Comment.objects.bulk_create(comments)
    for r in approved[:12]:
        n = sum(1 for x in ratings if x.resource_id == r.pk)
        s = sum(x.score for x in ratings if x.resource_id == r.pk)
        Resource.objects.filter(pk=r.pk).update(rating_count=r.rating_count + n, rating_sum=r.rating_sum + s,
                                                favourite_count=r.favourite_count + sum(
                                                    1 for f in favs if f.resource_id == r.pk))
    visible_per = {}
    for c in comments:
        if c.status == CommentStatus.VISIBLE:
            visible_per[c.resource_id] = visible_per.get(c.resource_id, 0) + 1
    for pk, n in visible_per.items():
        Resource.objects.filter(pk=pk).update(comment_count=n)
