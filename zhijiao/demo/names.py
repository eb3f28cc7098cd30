"""Deterministic Chinese names for the demo district (成都市成华区-like)."""

import random

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
            "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("子涵 欣怡 梓涵 晨曦 紫涵 诗涵 梓萱 一诺 语桐 雨涵 浩然 宇轩 子轩 梓睿 俊杰 浩宇 博文 皓轩 铭泽 思远 "
         "佳怡 可馨 若曦 依诺 沐辰 嘉懿 明轩 俊熙 天佑 煜祺 雨泽 一鸣 文博 思源 志强 建华 丽娟 秀英 海燕 红梅 "
         "晓东 国强 桂芳 玉兰 伟 芳 娜 敏 静 磊 军 洋 勇 艳 杰 涛 明 超 霞 平 刚 丹 鑫 婷 宁 昊 瑶 琳").split()

PLACES = ("建设路 双林 府青路 猛追湾 二仙桥 跳蹬河 保和 青龙 龙潭 白莲池 万年场 八里庄 东风 李家沱 杉板桥 新鸿 圣灯 "
          "双水碾 崔家店 东虹路 驷马桥 桃蹊 沙河 理工东苑 华林 民兴 列五 成华实验 锦绣 电子科大附属 蜀都 北湖 "
          "人民塘 沙湾 四十二中 五十二中 双桥 和美 望平 御风").split()

SCHOOL_SUFFIX = {
    "primary": "小学",
    "junior": "中学",
    "senior": "高级中学",
    "nine_year": "学校",
    "complete_secondary": "中学",
    "twelve_year": "实验学校",
}

SUBJECTS_PRIMARY = ["语文", "数学", "英语", "科学", "道德与法治", "体育与健康", "音乐", "美术", "信息科技"]
SUBJECTS_SECONDARY = ["语文", "数学", "英语", "物理", "化学", "生物学", "历史", "地理", "道德与法治", "体育与健康",
                      "信息科技"]

RELATIONS = ["父亲", "母亲", "祖父", "祖母", "外公", "外婆"]


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def class_name(grade_name: str, n: int) -> str:
    return f"{grade_name}({n})班"


def phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "151", "158", "177", "180", "186", "188", "199"]) + f"{rng.randrange(10**8):08d}"
