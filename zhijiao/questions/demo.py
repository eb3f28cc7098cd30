"""Demo questions (order 30): a few hundred real-looking questions on the shipped catalog's knowledge points —
小学数学 (20以内加减法, 认识时间, 时、分、秒, 位置, 图形, 倍, 乘法, 分数), 语文 (拼音, 识字, 古诗, 造句, 习作),
英语 (颜色, 数字, 动物). Bulk inserts: about 0.1 s at any demo size."""

import random

from zhijiao.accounts.models import User
from zhijiao.catalog.models import KnowledgePoint
from zhijiao.questions.grading import fingerprint
from zhijiao.questions.models import Question, QuestionType, Share

T = QuestionType
CN_NUM = "零一二三四五六七八九十"


def _opts(values, answer, rng):
    values = list(dict.fromkeys(str(v) for v in values))
    rng.shuffle(values)
    keys = "ABCD"
    opts = [{"key": keys[i], "text": v} for i, v in enumerate(values[:4])]
    return opts, next(o["key"] for o in opts if o["text"] == str(answer))


def _distractors(ans: int, rng, lo=0, hi=40):
    out = {ans}
    while len(out) < 4:
        out.add(max(lo, min(hi, ans + rng.choice([-3, -2, -1, 1, 2, 3, 10, -10]))))
    return list(out)


def math_add_sub(rng):
    out = []
    for _ in range(150):
        a, b = rng.randint(2, 9), rng.randint(2, 9)
        if rng.random() < 0.5:
            carry = a + b > 10
            stem, ans = f"计算：{a} + {b} = ____", a + b
        else:
            s = a + b + (10 if a + b < 10 else 0)
            stem, ans, carry = f"计算：{s} - {b} = ____", s - b, s - 10 < b
        d = 2 + int(carry) + (1 if rng.random() < 0.2 else 0)
        kind = rng.random()
        if kind < 0.5:
            out.append((T.FILL, stem, [], [[str(ans)]], f"{'进位' if carry else '不进位'}加减，想加算减。", d))
        elif kind < 0.8:
            opts, key = _opts(_distractors(ans, rng), ans, rng)
            out.append((T.SINGLE, stem.replace("____", "（  ）"), opts, key, f"正确答案是 {ans}。", d))
        else:
            wrong = ans + rng.choice([-1, 1])
            shown = ans if rng.random() < 0.5 else wrong
            out.append((T.TRUEFALSE, stem.replace("____", str(shown)), [], shown == ans, f"正确结果是 {ans}。", d))
    nums = []
    for n in range(11, 21):
        nums.append((T.FILL, f"{n} 里面有（  ）个十和（  ）个一。", [], [[str(n // 10)], [str(n % 10)]],
                    f"{n} 的十位是 {n // 10}，个位是 {n % 10}。", 1))
        opts, key = _opts(_distractors(n + 3, rng, 0, 30), n + 3, rng)
        nums.append((T.SINGLE, f"比 {n} 大 3 的数是（  ）。", opts, key, f"{n} + 3 = {n + 3}。", 2))
        nums.append((T.SINGLE, f"比 {n} 小 2 的数是（  ）。", *_opts(_distractors(n - 2, rng, 0, 30), n - 2, rng),
                     f"{n} - 2 = {n - 2}。", 2))
    return {"sx-xx-0102": out, "sx-xx-0101": nums}


def math_time(rng):
    clock = []
    for h in range(1, 13):
        clock.append((T.FILL, f"钟面上分针指向 12，时针指向 {h}，是（  ）时。", [], [[str(h), CN_NUM[h] if h <= 10 else str(h),
                                                                            f"{h}时", f"{h}:00"]],
                      "分针指向 12 时，时针指向几就是几时。", 1))
        if h % 2 == 0:
            clock.append((T.TRUEFALSE, f"分针指向 6、时针在 {h} 和 {h % 12 + 1} 之间，是 {h} 时半。", [], True,
                          "分针指向 6 表示半时。", 2))
    hms = [
        (T.FILL, "1 时 =（  ）分", [], [["60"]], "1 时 = 60 分。", 1),
        (T.FILL, "1 分 =（  ）秒", [], [["60"]], "1 分 = 60 秒。", 1),
        (T.FILL, "2 分 =（  ）秒", [], [["120"]], "2 × 60 = 120 秒。", 2),
        (T.FILL, "3 时 =（  ）分", [], [["180"]], "3 × 60 = 180 分。", 2),
        (T.FILL, "80 秒 =（  ）分（  ）秒", [], [["1"], ["20"]], "80 = 60 + 20。", 3),
        (T.FILL, "100 分 =（  ）时（  ）分", [], [["1"], ["40"]], "100 = 60 + 40。", 3),
        (T.SINGLE, "小明跑 50 米用了 9（  ）。", [{"key": "A", "text": "时"}, {"key": "B", "text": "分"},
                                             {"key": "C", "text": "秒"}], "C", "跑 50 米只要几秒。", 1),
        (T.SINGLE, "看一场电影大约需要 2（  ）。", [{"key": "A", "text": "时"}, {"key": "B", "text": "分"},
                                              {"key": "C", "text": "秒"}], "A", "一场电影约 2 小时。", 1),
        (T.SINGLE, "秒针从 12 走到 3，经过了（  ）秒。", [{"key": "A", "text": "3"}, {"key": "B", "text": "15"},
                                                  {"key": "C", "text": "30"}, {"key": "D", "text": "45"}], "B",
         "秒针走一个大格是 5 秒，3 × 5 = 15。", 2),
        (T.MULTIPLE, "下面哪些时间比 1 分长？", [{"key": "A", "text": "70 秒"}, {"key": "B", "text": "50 秒"},
                                          {"key": "C", "text": "2 分"}, {"key": "D", "text": "59 秒"}], ["A", "C"],
         "1 分 = 60 秒。", 3),
        (T.TRUEFALSE, "分针走一圈，时针正好走一个大格。", [], True, "分针走一圈是 60 分 = 1 时。", 2),
        (T.TRUEFALSE, "秒针走一圈是 1 时。", [], False, "秒针走一圈是 1 分。", 1),
        (T.SHORT, "小红 7:40 从家出发，8:05 到学校。她路上用了多少分钟？写出你的想法。", [], "25 分钟：7:40 到 8:00 是 20 分，再到 8:05 是 5 分。",
         "分段计算经过的时间。", 4),
    ]
    for start, dur in ((8, 45), (9, 30), (10, 25), (14, 50), (15, 35)):
        end_m = dur
        hms.append((T.FILL, f"从 {start}:00 到 {start}:{end_m:02d}，经过了（  ）分。", [], [[str(dur), f"{dur}分"]],
                    f"{start}:{end_m:02d} - {start}:00 = {dur} 分。", 3))
    return {"sx-xx-0113": clock, "sx-xx-0114": hms}


def math_more(rng):
    place = [
        (T.FILL, "小明站在小红的左边，那么小红在小明的（  ）边。", [], [["右"]], "左右是相对的。", 2),
        (T.SINGLE, "黑板在教室的（  ）面。", [{"key": "A", "text": "前"}, {"key": "B", "text": "后"}], "A", "", 1),
        (T.TRUEFALSE, "面对面站着的两个人，举起的右手在同一边。", [], False, "面对面时左右相反。", 3),
        (T.FILL, "从左往右数，🍎 排在第 3 个，从右往左数排在第 5 个，一共有（  ）个水果。", [], [["7"]],
         "3 + 5 - 1 = 7。", 4),
    ]
    shapes = [
        (T.SINGLE, "魔方的形状是（  ）。", [{"key": "A", "text": "长方体"}, {"key": "B", "text": "正方体"},
                                      {"key": "C", "text": "圆柱"}, {"key": "D", "text": "球"}], "B", "", 1),
        (T.SINGLE, "能滚动、而且从哪个方向看都是圆的是（  ）。", [{"key": "A", "text": "圆柱"}, {"key": "B", "text": "球"},
                                                     {"key": "C", "text": "正方体"}], "B", "", 2),
        (T.MULTIPLE, "下面的物体中，形状是圆柱的有（  ）。", [{"key": "A", "text": "茶叶罐"}, {"key": "B", "text": "乒乓球"},
                                                 {"key": "C", "text": "铅笔盒"}, {"key": "D", "text": "易拉罐"}],
         ["A", "D"], "", 2),
        (T.TRUEFALSE, "正方体的 6 个面都一样大。", [], True, "", 1),
    ]
    times = []
    for a in (2, 3, 4, 5):
        for k in (2, 3, 4):
            times.append((T.FILL, f"{a * k} 是 {a} 的（  ）倍。", [], [[str(k)]], f"{a * k} ÷ {a} = {k}。", 2 + (k > 3)))
    mult = []
    for _ in range(10):
        a, b = rng.randint(12, 48), rng.randint(2, 9)
        mult.append((T.FILL, f"$ {a} \\times {b} = $ ____", [], [[str(a * b)]], f"先算 {a % 10}×{b}，再算 {a // 10}0×{b}。",
                     3 + (a * b > 200)))
    frac = [
        (T.FILL, r"计算：$\frac{1}{4} + \frac{2}{4} = $ ____", [], [["3/4", "四分之三"]], r"同分母分数相加，分母不变，分子相加：$\frac{3}{4}$。", 3),
        (T.FILL, r"计算：$1 - \frac{3}{8} = $ ____", [], [["5/8", "八分之五"]], r"$1 = \frac{8}{8}$，$\frac{8}{8} - \frac{3}{8} = \frac{5}{8}$。", 4),
        (T.SINGLE, r"把一个蛋糕平均分成 6 份，每份是它的（  ）。", [{"key": "A", "text": r"$\frac{1}{6}$"},
                                                   {"key": "B", "text": r"$\frac{6}{1}$"},
                                                   {"key": "C", "text": r"$\frac{1}{5}$"}], "A", "", 2),
        (T.TRUEFALSE, r"$\frac{1}{3} > \frac{1}{2}$", [], False, "分子相同，分母大的分数反而小。", 3),
        (T.SINGLE, r"下面分数中最大的是（  ）。", [{"key": "A", "text": r"$\frac{2}{9}$"}, {"key": "B", "text": r"$\frac{5}{9}$"},
                                         {"key": "C", "text": r"$\frac{4}{9}$"}], "B", "分母相同，分子大的分数大。", 2),
    ]
    return {"sx-xx-0201": place, "sx-xx-0202": shapes, "sx-xx-0116": times, "sx-xx-0117": mult, "sx-xx-0118": frac}


def chinese(rng):
    pinyin = [
        (T.FILL, "b、p、m、f 是（  ）母。", [], [["声", "声母"]], "", 1),
        (T.FILL, "a、o、e 是（  ）母。", [], [["韵", "单韵", "单韵母", "韵母"]], "", 1),
        (T.SINGLE, "“妈妈”的拼音是（  ）。", [{"key": "A", "text": "māma"}, {"key": "B", "text": "mǎma"},
                                       {"key": "C", "text": "bàba"}], "A", "", 1),
        (T.SINGLE, "下面哪个是整体认读音节？", [{"key": "A", "text": "zhi"}, {"key": "B", "text": "zha"},
                                          {"key": "C", "text": "zhu"}], "A", "zhi、chi、shi、ri 等是整体认读音节。", 2),
        (T.TRUEFALSE, "ü 和 j、q、x 相拼时，ü 上的两点要去掉。", [], True, "小 ü 见到 j q x，去掉两点还读 ü。", 2),
        (T.MULTIPLE, "下面是三拼音节的有（  ）。", [{"key": "A", "text": "guā"}, {"key": "B", "text": "huā"},
                                          {"key": "C", "text": "mā"}, {"key": "D", "text": "xià"}], ["A", "B", "D"],
         "声母 + 介母 + 韵母组成三拼音节。", 3),
    ]
    words = [("日", 4), ("月", 4), ("山", 3), ("水", 4), ("木", 4), ("火", 4), ("田", 5), ("禾", 5), ("人", 2), ("口", 3)]
    shizi = []
    for ch, n in words:
        opts, key = _opts([n, n + 1, n - 1, n + 2], n, rng)
        shizi.append((T.SINGLE, f"“{ch}”字一共有（  ）画。", opts, key, f"“{ch}”共 {n} 画。", 2))
    shizi += [
        (T.FILL, "“木”字加一笔，可以变成（  ）字。", [], [["本", "禾", "未", "末"]], "本、未、末、禾 都可以。", 3),
        (T.SHORT, "用“高兴”写一句话。", [], "示例：今天妈妈带我去公园，我非常高兴。", "句子完整、通顺即可。", 2),
        (T.ESSAY, "写一写你的好朋友（不少于 50 字）：他（她）长什么样？你们一起做过什么有趣的事？", [], "",
         "写清楚外貌和一件事，语句通顺。", 4),
    ]
    poems = [
        (T.FILL, "床前明月光，（  ）。", [], [["疑是地上霜"]], "李白《静夜思》。", 1),
        (T.FILL, "春眠不觉晓，（  ）。", [], [["处处闻啼鸟"]], "孟浩然《春晓》。", 1),
        (T.SINGLE, "《静夜思》的作者是（  ）。", [{"key": "A", "text": "李白"}, {"key": "B", "text": "杜甫"},
                                           {"key": "C", "text": "白居易"}], "A", "", 1),
        (T.SHORT, "《静夜思》表达了诗人怎样的感情？", [], "思念家乡的感情。", "", 3),
    ]
    return {"yw-xx-0101": pinyin, "yw-xx-0102": shizi, "yw-xx-0205": poems}


def english(rng):
    colours = [("red", "红色"), ("blue", "蓝色"), ("green", "绿色"), ("yellow", "黄色"), ("black", "黑色")]
    col = []
    for en, zh in colours:
        col.append((T.FILL, f"— What colour is it? — It's ____.（{zh}）", [], [[en, en.capitalize()]], "", 1))
    col += [
        (T.SINGLE, "Which one is a colour?", [{"key": "A", "text": "cat"}, {"key": "B", "text": "red"},
                                              {"key": "C", "text": "pen"}], "B", "", 1),
        (T.TRUEFALSE, "“green” 的意思是“绿色”。", [], True, "", 1),
    ]
    nums = [(T.FILL, f"{CN_NUM[n]} 用英语怎么写？____", [], [[w]], "", 1 + (n > 5))
            for n, w in ((1, "one"), (2, "two"), (3, "three"), (6, "six"), (8, "eight"), (10, "ten"))]
    animals = [
        (T.SINGLE, "Which animal can fly?", [{"key": "A", "text": "a bird"}, {"key": "B", "text": "a pig"},
                                             {"key": "C", "text": "a dog"}], "A", "", 1),
        (T.MULTIPLE, "下面哪些是动物？", [{"key": "A", "text": "panda"}, {"key": "B", "text": "duck"},
                                      {"key": "C", "text": "ruler"}, {"key": "D", "text": "monkey"}], ["A", "B", "D"],
         "", 2),
        (T.TRUEFALSE, "“elephant” 是大象。", [], True, "", 1),
    ]
    return {"yy-xx-0102": col, "yy-xx-0106": nums, "yy-xx-0104": animals}


def build(ctx) -> None:
    rng = random.Random(30)
    kps = {k.code: k for k in KnowledgePoint.objects.filter(code__regex=r"^(sx|yw|yy)-xx-")
           .select_related("subject").prefetch_related("chapters")}
    if not kps:
        ctx.progress("questions: no catalog knowledge points, skipped")
        return
    owners = {u.username: u for u in User.objects.filter(username__in=["laoshi", "laoshi2"])}
    math_owner = owners.get("laoshi")
    yw_owner = owners.get("laoshi2") or math_owner
    if math_owner is None:
        return
    school = ctx.schools[0]
    bank = {}
    for part in (math_add_sub(rng), math_time(rng), math_more(rng), chinese(rng), english(rng)):
        bank.update(part)
    objs, links = [], []
    seen = set()
    sources = ["人教版教材配套练习", "成华区单元检测", "校本作业", "课堂练习"]
    for code, rows in bank.items():
        kp = kps.get(code)
        if kp is None:
            continue
        owner = yw_owner if code.startswith("yw") else math_owner
        chapters = list(kp.chapters.all())
        for i, (qtype, stem, options, answer, analysis, difficulty) in enumerate(rows):
            fp = fingerprint(stem, options)
            if fp in seen:
                continue
            seen.add(fp)
            objs.append(Question(qtype=qtype, stem=stem, options=options, answer=answer, analysis=analysis,
                                 difficulty=max(1, min(5, difficulty)), subject=kp.subject, owner=owner,
                                 school=school, share=Share.DISTRICT if i % 5 else Share.SCHOOL,
                                 source=sources[i % len(sources)], fingerprint=fp))
            links.append((kp, chapters[i % len(chapters)] if chapters else None))
    for q in objs:
        q.render()  # bulk_create skips save(), which renders
    Question.objects.bulk_create(objs, batch_size=1000)
    kp_through = Question.knowledge_points.through
    ch_through = Question.chapters.through
    kp_through.objects.bulk_create([kp_through(question_id=q.pk, knowledgepoint_id=kp.pk)
                                    for q, (kp, _c) in zip(objs, links, strict=True)], batch_size=2000)
    ch_through.objects.bulk_create([ch_through(question_id=q.pk, chapter_id=c.pk)
                                    for q, (_k, c) in zip(objs, links, strict=True) if c], batch_size=2000)
    if "yw-xx-0205" in kps:
        _composite_poem(yw_owner)
    ctx.progress(f"questions: {len(objs) + 1}")


# 骆宾王《咏鹅》 (统编语文 一年级上册), a passage with parts of four types, so the demo shows a 复合题.
POEM = "阅读古诗，完成练习。\n\n咏鹅\n〔唐〕骆宾王\n鹅，鹅，鹅，曲项向天歌。\n白毛浮绿水，红掌拨清波。"


def _composite_poem(owner) -> None:
    from zhijiao.questions.actions import question_create

    question_create(owner=owner, data={
        "qtype": "复合题", "stem": POEM, "subject": "yw", "share": "district", "difficulty": 2,
        "source": "课堂练习", "knowledge_points": "yw-xx-0205",
        "parts": [
            {"qtype": "单选", "stem": "这首诗的作者是（  ）。", "options": ["骆宾王", "李白", "孟浩然"],
             "answer": "A", "score": 2, "knowledge_points": "yw-xx-0205"},
            {"qtype": "填空", "stem": "“白毛浮绿水”的下一句是：____。", "answer": "红掌拨清波", "score": 2,
             "knowledge_points": "yw-xx-0205"},
            {"qtype": "判断", "stem": "“曲项向天歌”写鹅弯着脖子向天叫，像在唱歌。", "answer": "对", "score": 1},
            {"qtype": "简答", "stem": "读了这首诗，你觉得鹅是什么样子的？", "answer": "示例：鹅的羽毛雪白，脚掌红红的，"
             "在绿水上游得很快活。", "score": 3},
        ],
    })
