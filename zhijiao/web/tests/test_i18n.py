"""English is complete: the committed catalog has every string translated, and pages render in English."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)[sd]|%[sd]|\{[A-Za-z_]+\}")


def _decode(body):
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_po(text):
    """A small .po reader: a list of entries {flags, msgid, msgid_plural, msgstr: {index: text}}."""
    entries, cur, field = [], None, None

    def flush():
        if cur is not None and ("msgid" in cur):
            entries.append(cur)

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            cur, field = None, None
            continue
        if cur is None:
            cur = {"flags": set(), "msgstr": {}, "obsolete": False}
        if line.startswith("#~"):
            cur["obsolete"] = True
            continue
        if line.startswith("#,"):
            cur["flags"] |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if m:
            key, idx, val = m.group(1), m.group(2), m.group(3)
            if key.startswith("msgstr"):
                field = ("msgstr", int(idx or 0))
                cur["msgstr"][field[1]] = _decode(val[1:-1])
            else:
                field = (key, None)
                cur[key] = _decode(val[1:-1])
        elif line.startswith('"') and field:
            val = _decode(line[1:-1])
            if field[0] == "msgstr":
                cur["msgstr"][field[1]] += val
            else:
                cur[field[0]] += val
    flush()
    return [e for e in entries if not e["obsolete"]]


@pytest.fixture(scope="module")
def catalog():
    assert PO.exists(), "run `uv run zhijiao makemessages -l en ...` (see docs/overview.md, Translations)"
    entries = parse_po(PO.read_text(encoding="utf-8"))
    header = [e for e in entries if e["msgid"] == ""]
    return header, [e for e in entries if e["msgid"] != ""]


def test_catalog_has_the_ui_strings(catalog):
    _, entries = catalog
    ids = {e["msgid"] for e in entries}
    assert len(entries) > 1000
    assert {"我的工作台", "资源中心", "数据驾驶舱", "智慧作业", "题库"} <= ids


def test_every_string_is_translated_and_none_is_fuzzy(catalog):
    header, entries = catalog
    assert header and "fuzzy" not in header[0]["flags"], "the .po header is still marked fuzzy"
    untranslated = [e["msgid"] for e in entries if not all(s.strip() for s in e["msgstr"].values()) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"{len(untranslated)} strings have no English yet, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries need checking, e.g. {fuzzy[:5]}"


def test_translations_are_english_and_keep_their_placeholders(catalog):
    _, entries = catalog
    problems = []
    for e in entries:
        for i, s in e["msgstr"].items():
            source = e["msgid"] if i == 0 or "msgid_plural" not in e else e["msgid_plural"]
            if set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(source)):
                problems.append((e["msgid"], s))
            # Chinese may stay only inside English text that quotes values typed into Chinese files
            # (e.g. the accepted school types of a roster); a translation must never be just Chinese.
            if HAN.search(s) and not re.search(r"[A-Za-z]{3,}", s):
                problems.append((e["msgid"], s))
    assert not problems, problems[:5]


def test_plural_entries_have_both_forms(catalog):
    header, entries = catalog
    assert "nplurals=2" in header[0]["msgstr"][0]
    for e in (e for e in entries if "msgid_plural" in e):
        assert sorted(e["msgstr"]) == [0, 1], e["msgid"]


def test_compiled_catalog_is_committed_and_not_older_than_the_po():
    assert MO.exists(), "run `uv run zhijiao compilemessages` and commit django.mo"
    assert MO.stat().st_size > 10_000


class _Visible(HTMLParser):
    """Collects text of headings, navigation, labels and buttons, skipping user data and the language button."""

    WATCH = {"h1", "h2", "h3", "nav", "label", "button", "title", "footer", "th", "legend"}
    VOID = {"input", "br", "img", "meta", "link", "hr", "source"}

    def __init__(self):
        super().__init__()
        self.stack, self.texts = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        a = dict(attrs)
        skip = a.get("data-testid") == "who" or a.get("lang") == "zh-CN" or "badge" in (a.get("class") or "")
        self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        if any(skip for _, skip in self.stack):
            return
        if any(t in self.WATCH for t, _ in self.stack) and data.strip():
            self.texts.append(data.strip())


def _chinese_ui_text(html):
    p = _Visible()
    p.feed(html)
    return [t for t in p.texts if HAN.search(t)]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_login_page_in_english(english):
    html = english.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Log in to Zhijiao" in html
    assert "Account or mobile number" in html
    assert _chinese_ui_text(html) == []


@pytest.mark.django_db
def test_chinese_first_whatever_the_browser_asks(client):
    """Only the switch (the language cookie) turns English on; a browser's Accept-Language does not."""
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "登录智教" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "Log in to Zhijiao" in html


@pytest.mark.parametrize("username", ["laoshi", "xuesheng", "jiazhang", "xiao_admin", "qu_admin", "duxue"])
def test_each_role_home_in_english(users, client_as, username):
    client = client_as(users[username])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/").content.decode()
    assert "<h1" in html and "My workbench" in html
    assert "Log out" in html
    assert _chinese_ui_text(html) == []


def test_switching_back_gives_chinese(users, client_as):
    client = client_as(users["laoshi"])
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert "My workbench" in r.content.decode()
    r = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, follow=True)
    html = r.content.decode()
    assert "我的工作台" in html and "My workbench" not in html
    assert '<html lang="zh-CN">' in html
