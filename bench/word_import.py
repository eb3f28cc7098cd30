"""Word paper import (Word 试卷导入) at its limit: a .docx of N questions (default 2,000, the most one file may
hold), each a choice question with a Word equation, every 10th with a picture, answers after each question.

    uv run python bench/word_import.py [--questions 2000]

On a fresh SQLite database in a temp data dir (migrated here), as one teacher: prints the file's size, the
time to read it (zip, XML, equations, layout), the dry run, and the import with its pictures; then the time to
refuse three hostile files (an 80 MB zip bomb, 2,001 questions, a picture claiming 20,000 × 20,000 pixels).
The papers are built with python-docx by the test helpers in zhijiao/questions/tests/papers.py.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def paper(n: int) -> bytes:
    import docx

    from zhijiao.questions.tests.papers import FRACTION_AND_ROOT, _para, png

    d = docx.Document()
    d.add_paragraph("一、选择题")
    for k in range(1, n + 1):
        parts = [f"{k}．第 {k} 题：计算 ", FRACTION_AND_ROOT, " 的值（　）"]
        if k % 10 == 0:
            parts.append(("img", png(30 + k % 97, 20)))
        _para(d, *parts)
        d.add_paragraph(f"A．{k}\tB．{k + 1}\tC．{k + 2}\tD．{k + 3}")
        d.add_paragraph("【答案】B【解析】按定义计算。【难度】0.6")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=2000)
    args = ap.parse_args()
    os.environ.setdefault("ZHIJIAO_DATA_DIR", tempfile.mkdtemp(prefix="zj-bench-word-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from zhijiao.accounts.models import User
    from zhijiao.questions import actions
    from zhijiao.questions.import_preview import preview_rows
    from zhijiao.questions.tests.papers import many_questions, marked_paper, png, zip_of

    teacher = User.objects.create(username="bench-teacher", name="压测教师")
    t = time.perf_counter()
    content = paper(args.questions)
    print(f"built {args.questions} questions: {len(content) / 1024:.0f} KB in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    rows = actions.parse_import_file(name="卷.docx", content=content)
    print(f"read: {len(rows)} questions in {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    items, _notes = preview_rows(owner=teacher, rows=rows)
    print(f"dry run: {len(items)} questions, {sum(1 for i in items if i.errors)} with errors, "
          f"in {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    result = actions.questions_import(owner=teacher, rows=rows)
    print(f"import: {len(result.created)} questions, {sum(len(r.get('_images') or {}) for _n, r in rows)} "
          f"pictures, ok={result.ok}, "
          f"in {time.perf_counter() - t:.2f} s")
    hostile = {
        "80 MB zip bomb": ("炸弹.docx", zip_of({"word/document.xml": b" " * (80 * 1024 * 1024)})),
        "2,001 questions": ("题海.docx", many_questions(2001)),
    }
    for what, (name, body) in hostile.items():
        t = time.perf_counter()
        try:
            actions.parse_import_file(name=name, content=body)
            print(f"{what}: NOT refused")
        except actions.ImportFileError as exc:
            print(f"{what} ({len(body) / 1024:.0f} KB): refused in {time.perf_counter() - t:.2f} s — {exc}")
    from zhijiao.questions.tests.test_word_papers import zlib_empty

    t = time.perf_counter()
    rows = actions.parse_import_file(name="大图.docx", content=marked_paper(picture=png(20000, 20000, idat=zlib_empty())))
    result = actions.questions_import(owner=teacher, rows=rows)
    print(f"20,000 × 20,000 picture: refused={not result.ok} in {time.perf_counter() - t:.2f} s — {result.errors}")


if __name__ == "__main__":
    main()
