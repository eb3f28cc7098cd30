"""The current (2024年版) volumes added from their published tables of contents (issue 21).

Each test takes a few lessons from the volume's source (hantang/cntextbook `<volume>/toc.tsv` at b3fb819, a
transcription of the national platform's reading copy, recorded as `source` on each book in
tongbian-yuwen-2024.json) and checks that the shipped catalog has them, in that unit, in the book's order.
The data is read from the database after loading the shipped files, not from a copy.
"""

import pytest

from zhijiao.catalog.actions import catalog_load_shipped
from zhijiao.catalog.models import Book, Chapter


@pytest.fixture
def shipped(db):
    catalog_load_shipped()


def unit_lessons(book_code, unit_title):
    """The lesson titles under the unit of that title, in book order."""
    unit = Chapter.objects.get(book__code=book_code, depth=0, title=unit_title)
    return list(unit.children.order_by("path").values_list("title", flat=True))


def assert_in_order(found, expected):
    positions = [found.index(t) for t in expected]  # ValueError names a missing lesson
    assert positions == sorted(positions), found


def test_first_grade_first_volume(shipped):
    book = Book.objects.get(code="tb-yw-g1a-2024")
    assert (book.revision, book.in_use_from, book.volume_label) == ("2024年版", 2024, "一年级上册（2024年版）")
    assert_in_order(unit_lessons("tb-yw-g1a-2024", "我上学了"), ["我是中国人", "我爱我们的祖国", "我是小学生"])
    assert_in_order(unit_lessons("tb-yw-g1a-2024", "第一单元·识字"), ["3 口耳目手足", "4 日月山川", "语文园地一"])
    assert_in_order(unit_lessons("tb-yw-g1a-2024", "第三单元·汉语拼音"), ["8 zh ch sh r", "9 y w"])
    assert_in_order(unit_lessons("tb-yw-g1a-2024", "第七单元·阅读"), ["5 小小的船", "6 影子", "7 两件宝"])
    # the earlier edition's 识字 4 日月水火 is not in the revision
    assert not Chapter.objects.filter(book=book, title__contains="日月水火").exists()


def test_second_grade_first_volume(shipped):
    assert Book.objects.get(code="tb-yw-g2a-2024").in_use_from == 2025
    assert_in_order(unit_lessons("tb-yw-g2a-2024", "第三单元·阅读"), ["4 彩虹", "5 去外婆家", "6 数星星的孩子"])
    assert_in_order(unit_lessons("tb-yw-g2a-2024", "第六单元·阅读"), ["14 八角楼上", "17 刘胡兰"])
    assert_in_order(unit_lessons("tb-yw-g2a-2024", "第八单元·阅读"), ["21 称赞", "23 快乐的小河"])


def test_second_grade_second_volume(shipped):
    assert Book.objects.get(code="tb-yw-g2b-2024").in_use_from == 2026
    assert_in_order(unit_lessons("tb-yw-g2b-2024", "第二单元·阅读"), ["7 我不是最弱小的", "快乐读书吧：读读儿童故事"])
    assert_in_order(unit_lessons("tb-yw-g2b-2024", "第三单元·识字"), ["3 “贝”的故事", "4 中国美食"])
    assert_in_order(unit_lessons("tb-yw-g2b-2024", "第八单元·阅读"), ["22 羿射九日", "23 黄帝的传说", "24 大禹治水"])


def test_third_grade_first_volume(shipped):
    book = Book.objects.get(code="tb-yw-g3a-2024")
    assert book.in_use_from is None  # the year it came into use was not verified: not recorded
    assert_in_order(unit_lessons("tb-yw-g3a-2024", "第三单元"), ["8 总也倒不了的老屋", "9 犟龟", "10 小狗学叫"])
    assert_in_order(unit_lessons("tb-yw-g3a-2024", "第四单元"), ["11 宝葫芦的秘密（节选）", "快乐读书吧：在那奇妙的王国里"])
    assert_in_order(unit_lessons("tb-yw-g3a-2024", "第八单元"), ["24 一定要争气", "26 一个粗瓷大碗", "口语交际：请教"])


def test_third_grade_second_volume(shipped):
    assert_in_order(unit_lessons("tb-yw-g3b-2024", "第二单元"), ["6 会摇尾巴的狼", "8 池子与河流"])
    assert_in_order(unit_lessons("tb-yw-g3b-2024", "第三单元"), ["9 海底世界", "10 石蜂", "11 小虾"])
    assert_in_order(unit_lessons("tb-yw-g3b-2024", "第七单元"), ["22 火烧云", "23 暴风雨来临之前"])


def test_fifth_grade_first_volume(shipped):
    assert_in_order(unit_lessons("tb-yw-g5a-2024", "第二单元"), ["4 冀中的地道战", "5 将相和", "7 “诺曼底号”遇难记"])
    assert_in_order(unit_lessons("tb-yw-g5a-2024", "第六单元"), ["18 父爱之舟", "19 航天员写给孩子的信"])
    assert_in_order(unit_lessons("tb-yw-g5a-2024", "第八单元"), ["23 古人谈读书", "25 走遍天下书为侣"])


def test_seventh_grade_second_volume(shipped):
    assert Book.objects.get(code="tb-yw-g7b-2024").in_use_from == 2025
    assert_in_order(unit_lessons("tb-yw-g7b-2024", "第一单元"), ["1 邓稼先", "3 列夫·托尔斯泰", "写作：写出人物特点"])
    assert_in_order(unit_lessons("tb-yw-g7b-2024", "第二单元"), ["7 谁是最可爱的人", "9 木兰诗"])
    assert_in_order(unit_lessons("tb-yw-g7b-2024", "第四单元"), ["15 青春之光", "16 有为有不为"])
    assert_in_order(unit_lessons("tb-yw-g7b-2024", "第六单元"), ["任务一：阅读与探讨", "23 “蛟龙”探海", "25 活板"])


def test_eighth_grade_first_volume(shipped):
    assert Book.objects.get(code="tb-yw-g8a-2024").in_use_from == 2025
    assert_in_order(unit_lessons("tb-yw-g8a-2024", "第一单元"), ["2 中国人首次进入自己的空间站", "6 国行公祭，为佑世界和平"])
    assert_in_order(unit_lessons("tb-yw-g8a-2024", "第二单元"), ["8 回忆鲁迅先生（节选）", "9 天上有颗“南仁东星”"])
    assert_in_order(unit_lessons("tb-yw-g8a-2024", "第五单元"),
                    ["21 人民英雄永垂不朽——瞻仰首都人民英雄纪念碑", "22 梦回繁华", "专题学习活动：身边的文化遗产"])


def test_every_added_volume_names_its_source(shipped):
    """The file records where each added volume's contents come from (docs/catalog.md lists the same)."""
    import json

    from zhijiao.catalog.actions import DATA_DIR

    books = json.loads((DATA_DIR / "tongbian-yuwen-2024.json").read_text(encoding="utf-8"))["books"]
    added = {"tb-yw-g1a-2024", "tb-yw-g2a-2024", "tb-yw-g2b-2024", "tb-yw-g3a-2024", "tb-yw-g3b-2024",
             "tb-yw-g5a-2024", "tb-yw-g7b-2024", "tb-yw-g8a-2024"}
    sources = {b["code"]: b.get("source", "") for b in books if b["code"] in added}
    assert set(sources) == added
    assert all("hantang/cntextbook" in s and "b3fb819c37b7e5c60ce4c62d3e9c45543168530f" in s for s in sources.values())
