"""Real papers' formulas, before and after server-side rendering: KaTeX in the browser (what pages sent until
December 2026) against the MathML that `zhijiao.core.formulas` now makes when a question is saved.

    uv run python bench/formulas.py PATH_TO_GAOKAO_BENCH [--sample 24] [--out /tmp/formulas]

PATH_TO_GAOKAO_BENCH is a checkout of https://github.com/OpenLMLab/GAOKAO-Bench (its Data/ folder holds past
高考 papers with LaTeX). The script prints, over every `$...$` formula of its maths, physics and chemistry files,
how many convert and how many fall back to their source, then draws a seeded sample of questions both ways in
Chromium 360 px wide and writes before.png / after.png side by side into --out, with the bytes each way.
The "before" KaTeX is read from this repository's history (commit BEFORE), so nothing is downloaded.
"""

import argparse
import html
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BEFORE = "06f1b81"  # the last commit that typeset formulas in the browser with vendored KaTeX 0.19
KATEX_DIR = "zhijiao/questions/static/questions/vendor/katex"
FILES = ["Objective_Questions/2010-2022_Math_I_MCQs.json", "Objective_Questions/2010-2022_Math_II_MCQs.json",
         "Objective_Questions/2010-2022_Physics_MCQs.json", "Objective_Questions/2010-2022_Chemistry_MCQs.json",
         "Subjective_Questions/2010-2022_Math_I_Fill-in-the-Blank.json",
         "Subjective_Questions/2010-2022_Math_II_Fill-in-the-Blank.json"]
PAGE_CSS = ("body{margin:8px;font:16px/1.6 'Noto Sans CJK SC',sans-serif}"
            ".q{white-space:pre-wrap;overflow-wrap:break-word;border-bottom:1px solid #ccc;padding:6px 0}")


def questions(data_dir: Path) -> list[str]:
    out = []
    for name in FILES:
        path = data_dir / "Data" / name
        if path.exists():
            out += [ex["question"] for ex in json.loads(path.read_text(encoding="utf-8"))["example"]]
    return out


def conversion_counts(texts: list[str]) -> dict:
    from latex2mathml.converter import convert_to_element

    from zhijiao.core.formulas import render_formulas

    formulas = [m.group(1) for t in texts for m in re.finditer(r"\$([^$]+)\$", t) if m.group(1).strip()]
    failed = unknown = 0
    for f in formulas:
        try:
            tree = convert_to_element(f)
        except Exception:  # noqa: BLE001 - counted: the page shows this formula's source
            failed += 1
            continue
        if any((e.text or "").startswith("\\") for e in tree.iter("mi")):
            unknown += 1  # a command latex2mathml does not know, shown by name
    started = time.perf_counter()
    for t in texts:
        render_formulas(t)
    seconds = time.perf_counter() - started
    return {"questions": len(texts), "formulas": len(formulas), "fell back to source": failed,
            "with an unknown command": unknown, "render ms per question": round(1000 * seconds / len(texts), 2)}


def old_katex(into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE, KATEX_DIR], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / KATEX_DIR


def pages(sample: list[str], katex: Path) -> tuple[str, str]:
    from zhijiao.core.formulas import render_formulas

    head = f"<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'><style>{PAGE_CSS}"
    before = (head + "</style><link rel=stylesheet href='/katex/katex.min.css'>"
              "<script src='/katex/katex.min.js'></script><script src='/katex/auto-render.min.js'></script>"
              + "".join(f"<div class=q>{html.escape(q)}</div>" for q in sample)
              + "<script>document.querySelectorAll('.q').forEach(e=>renderMathInElement(e,{delimiters:"
                "[{left:'$$',right:'$$',display:true},{left:'$',right:'$',display:false}],throwOnError:false}))"
                "</script>")
    css = (ROOT / "zhijiao/questions/static/questions/questions.css").read_text()
    math_css = "\n".join(line for line in css.splitlines() if line.startswith("math"))
    after = head + math_css + "</style>" + "".join(f"<div class=q>{render_formulas(q)}</div>" for q in sample)
    return before, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gaokao_bench", type=Path)
    parser.add_argument("--sample", type=int, default=24)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "formulas")
    args = parser.parse_args()

    texts = questions(args.gaokao_bench)
    if not texts:
        sys.exit(f"no GAOKAO-Bench data under {args.gaokao_bench}/Data")
    print(json.dumps(conversion_counts(texts), ensure_ascii=False, indent=1))

    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    sample = random.Random(args.seed).sample([t for t in texts if "$" in t], args.sample)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        (site / "katex").symlink_to(old_katex(site / "old"))
        before, after = pages(sample, site / "katex")
        (site / "before.html").write_text(before, encoding="utf-8")
        (site / "after.html").write_text(after, encoding="utf-8")

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(site), **kw)

            def log_message(self, *a):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium")
            for name in ("before", "after"):
                page = browser.new_page(viewport={"width": 360, "height": 800})
                sizes = []
                page.on("response", lambda r, sizes=sizes: sizes.append(len(r.body()) if r.ok else 0))
                page.goto(f"{base}/{name}.html", wait_until="networkidle")
                page.screenshot(path=str(args.out / f"{name}.png"), full_page=True)
                print(f"{name}: {len(sizes)} files, {sum(sizes) / 1024:.0f} KB uncompressed "
                      f"-> {args.out / (name + '.png')}")
                page.close()
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
