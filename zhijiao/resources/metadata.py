"""Standard metadata of a resource, for sharing with other platforms (OAI-PMH, exports).

- Dublin Core, as OAI-PMH's `oai_dc` (namespace http://www.openarchives.org/OAI/2.0/oai_dc/);
- IEEE LOM, in the IEEE 1484.12.3 XML binding (namespace http://ltsc.ieee.org/xsd/LOM), LOMv1.0 vocabularies.

`resource_dc_xml` / `resource_lom_xml` return a UTF-8 XML document; the `*_element` variants return
the lxml element, for embedding (the OAI-PMH provider puts it inside <metadata>). No personal data
beyond the authors' names the contributor typed for publication; never the uploader's account.
Chapters are written as their title paths ("人教版 数学 三年级上册 / 8 分数的初步认识"), which other
zhijiao installs (and people) can match against the same catalog.
"""

from __future__ import annotations

from django.conf import settings
from lxml import etree

from zhijiao.resources.models import Resource, ResourceType

XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_XSD = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC = "http://purl.org/dc/elements/1.1/"
LOM = "http://ltsc.ieee.org/xsd/LOM"
LOM_XSD = "http://ltsc.ieee.org/xsd/lomv1.0/lom.xsd"

# DCMI Type Vocabulary for each of our types (a second dc:type carries our own Chinese label).
DCMI_TYPE = {
    ResourceType.VIDEO: "MovingImage", ResourceType.MICRO: "MovingImage", ResourceType.COURSEWARE: "InteractiveResource",
    ResourceType.LESSON_PLAN: "Text", ResourceType.STUDY_PLAN: "Text", ResourceType.TASK_SHEET: "Text",
    ResourceType.EXERCISE: "Text", ResourceType.TEXTBOOK: "Text", ResourceType.DOCUMENT: "Text",
    ResourceType.AUDIO: "Sound", ResourceType.IMAGE: "StillImage", ResourceType.LINK: "InteractiveResource",
}
# LOMv1.0 learningResourceType.
LOM_RESOURCE_TYPE = {
    ResourceType.VIDEO: "lecture", ResourceType.MICRO: "lecture", ResourceType.COURSEWARE: "slide",
    ResourceType.LESSON_PLAN: "narrative text", ResourceType.STUDY_PLAN: "narrative text",
    ResourceType.TASK_SHEET: "problem statement", ResourceType.EXERCISE: "exercise",
    ResourceType.TEXTBOOK: "narrative text", ResourceType.DOCUMENT: "narrative text", ResourceType.AUDIO: "lecture",
    ResourceType.IMAGE: "figure", ResourceType.LINK: "narrative text",
}
TEACHER_TYPES = {ResourceType.LESSON_PLAN}


def public_base_url(base_url: str = "") -> str:
    return (base_url or getattr(settings, "ZHIJIAO_PUBLIC_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def resource_url(resource: Resource, *, base_url: str = "") -> str:
    return f"{public_base_url(base_url)}/resources/{resource.pk}/"


def _authors(resource: Resource) -> list[str]:
    return [a.strip() for a in resource.authors.replace("，", ",").split(",") if a.strip()]


def _chapters(resource: Resource) -> list:
    return sorted(resource.chapters.all(), key=lambda c: c.key)


def _kps(resource: Resource) -> list:
    return sorted(resource.knowledge_points.all(), key=lambda k: k.code)


def _primary_file(resource: Resource):
    files = list(resource.files.all())
    return next((f for f in files if f.is_primary), files[0] if files else None)


def _date(resource: Resource) -> str:
    when = resource.published_at or resource.created_at
    return when.date().isoformat() if when else ""


def _publisher() -> str:
    return getattr(settings, "ZHIJIAO_OAI_REPOSITORY_NAME", "") or "智教 区域智慧教育云平台"


def resource_dc_element(resource: Resource, *, base_url: str = "") -> etree._Element:
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} {OAI_DC_XSD}")

    def add(name: str, text: str | None, lang: str | None = None) -> None:
        if text:
            el = etree.SubElement(root, f"{{{DC}}}{name}")
            el.text = str(text)
            if lang:
                el.set("{http://www.w3.org/XML/1998/namespace}lang", lang)

    add("title", resource.title, "zh")
    for a in _authors(resource):
        add("creator", a)
    subjects = []
    if resource.stage_id:
        subjects.append(resource.stage.name)
    if resource.subject_id:
        subjects.append(resource.subject.name)
    subjects += [c.title_path for c in _chapters(resource)]
    subjects += [k.name for k in _kps(resource)]
    subjects += [str(t) for t in (resource.tags or [])]
    for s in dict.fromkeys(subjects):
        add("subject", s, "zh")
    add("description", resource.description, "zh")
    add("publisher", _publisher(), "zh")
    add("date", _date(resource))
    add("type", DCMI_TYPE.get(resource.type, "Text"))
    add("type", resource.get_type_display(), "zh")
    f = _primary_file(resource)
    add("format", f.mime_type if f else ("text/html" if resource.type == ResourceType.LINK else ""))
    add("identifier", resource_url(resource, base_url=base_url))
    if resource.external_url:
        add("relation", resource.external_url)
    add("language", "zh")
    if resource.section_id:
        add("coverage", resource.section.name, "zh")
    add("rights", resource.licence)
    return root


def resource_lom_element(resource: Resource, *, base_url: str = "") -> etree._Element:
    root = etree.Element(f"{{{LOM}}}lom", nsmap={None: LOM, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{LOM} {LOM_XSD}")

    def el(parent, name, text=None):
        e = etree.SubElement(parent, f"{{{LOM}}}{name}")
        if text is not None:
            e.text = str(text)
        return e

    def langstring(parent, name, text, lang="zh"):
        e = el(parent, name)
        s = el(e, "string", text)
        s.set("language", lang)
        return e

    def vocab(parent, name, value):
        e = el(parent, name)
        el(e, "source", "LOMv1.0")
        el(e, "value", value)
        return e

    url = resource_url(resource, base_url=base_url)
    general = el(root, "general")
    ident = el(general, "identifier")
    el(ident, "catalog", "URI")
    el(ident, "entry", url)
    langstring(general, "title", resource.title)
    el(general, "language", "zh")
    if resource.description:
        langstring(general, "description", resource.description)
    keywords = [k.name for k in _kps(resource)] + [str(t) for t in (resource.tags or [])]
    for k in dict.fromkeys(keywords):
        langstring(general, "keyword", k)
    vocab(general, "aggregationLevel", "1")

    life = el(root, "lifeCycle")
    vocab(life, "status", "final" if resource.status == "approved" else "draft")
    for a in _authors(resource):
        c = el(life, "contribute")
        vocab(c, "role", "author")
        el(c, "entity", _vcard(a))
    c = el(life, "contribute")
    vocab(c, "role", "publisher")
    el(c, "entity", _vcard(_publisher()))
    if _date(resource):
        d = el(c, "date")
        el(d, "dateTime", _date(resource))

    meta = el(root, "metaMetadata")
    el(meta, "metadataSchema", "LOMv1.0")
    el(meta, "language", "zh")

    tech = el(root, "technical")
    f = _primary_file(resource)
    if f:
        el(tech, "format", f.mime_type)
        el(tech, "size", f.size)
    el(tech, "location", url)
    if resource.external_url:
        el(tech, "location", resource.external_url)
    if resource.duration_seconds:
        dur = el(tech, "duration")
        el(dur, "duration", _iso_duration(resource.duration_seconds))

    edu = el(root, "educational")
    vocab(edu, "learningResourceType", LOM_RESOURCE_TYPE.get(resource.type, "narrative text"))
    vocab(edu, "intendedEndUserRole", "teacher" if resource.type in TEACHER_TYPES else "learner")
    vocab(edu, "context", "school")
    if resource.grade_level:
        age = resource.grade_level + 5  # 一年级 ≈ 6–7 岁
        e = el(edu, "typicalAgeRange")
        s = el(e, "string", f"{age}-{age + 1}")
        s.set("language", "en")
    el(edu, "language", "zh")

    rights = el(root, "rights")
    vocab(rights, "cost", "no")
    vocab(rights, "copyrightAndOtherRestrictions", "no" if resource.licence == "CC0-1.0" else "yes")
    langstring(rights, "description", resource.licence, lang="en")

    if resource.stage_id or resource.subject_id:
        cl = el(root, "classification")
        vocab(cl, "purpose", "educational level")
        tp = el(cl, "taxonPath")
        langstring(tp, "source", "zhijiao 学段")
        if resource.stage_id:
            _taxon(el, langstring, tp, resource.stage.code, resource.stage.name)
        if resource.grade_level:
            from zhijiao.catalog.models import GRADE_LABELS

            _taxon(el, langstring, tp, f"grade-{resource.grade_level}",
                   GRADE_LABELS.get(resource.grade_level, str(resource.grade_level)))
    for ch in _chapters(resource):
        cl = el(root, "classification")
        vocab(cl, "purpose", "discipline")
        tp = el(cl, "taxonPath")
        langstring(tp, "source", "zhijiao 教材目录")
        book = ch.book
        if resource.subject_id:
            _taxon(el, langstring, tp, resource.subject.code, resource.subject.name)
        _taxon(el, langstring, tp, book.code, book.name)
        for part_key, part_title in _ancestors(ch):
            _taxon(el, langstring, tp, part_key, part_title)
    kps = _kps(resource)
    if kps:
        cl = el(root, "classification")
        vocab(cl, "purpose", "competency")
        for k in kps:
            tp = el(cl, "taxonPath")
            langstring(tp, "source", "zhijiao 知识点")
            _taxon(el, langstring, tp, k.code, k.name)
    return root


def _ancestors(chapter) -> list[tuple[str, str]]:
    """(key, title) from the top unit down to this chapter, read from the title path (no queries)."""
    titles = chapter.title_path.split(" / ")[1:] or [chapter.title]
    steps = chapter.path.rstrip(".").split(".")
    out = []
    for i, title in enumerate(titles[-len(steps):], start=1):
        out.append((f"{chapter.book.code}/{''.join(s + '.' for s in steps[:i])}", title))
    return out


def _taxon(el, langstring, parent, ident, entry) -> None:
    t = el(parent, "taxon")
    el(t, "id", ident)
    langstring(t, "entry", entry)


def _vcard(name: str) -> str:
    safe = name.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", " ")
    return f"BEGIN:VCARD\nVERSION:3.0\nFN:{safe}\nN:{safe};;;;\nEND:VCARD"


def _iso_duration(seconds: int) -> str:
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s or not (h or m) else "")


def resource_dc_xml(resource: Resource, *, base_url: str = "") -> bytes:
    """The resource's Dublin Core record (oai_dc) as a UTF-8 XML document."""
    return etree.tostring(resource_dc_element(resource, base_url=base_url), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)


def resource_lom_xml(resource: Resource, *, base_url: str = "") -> bytes:
    """The resource's IEEE LOM record (IEEE 1484.12.3 XML binding) as a UTF-8 XML document."""
    return etree.tostring(resource_lom_element(resource, base_url=base_url), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)
