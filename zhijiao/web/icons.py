"""The platform's icons: Tabler Icons 3.54 (outline set, MIT, vendored from npm into `web/icons/`), one SVG
sprite that every page takes from the cache.

Emoji were used before: on a device without a colour-emoji font (Debian's Chromium, many older school PCs)
every app tile showed an empty box. An icon here is drawn with `currentColor`, so it follows the text.

To add one: copy `icons/outline/<name>.svg` from the `@tabler/icons` npm package into `web/icons/`, then
`uv run python -m zhijiao.web.icons` to rewrite `web/static/web/icons.svg` (a test checks it is current).
In a template: `{% load icons %}{% icon "books" %}`.
"""

import re
from pathlib import Path

SOURCE = Path(__file__).parent / "icons"
SPRITE = Path(__file__).parent / "static" / "web" / "icons.svg"


def icon_names() -> list[str]:
    return sorted(p.stem for p in SOURCE.glob("*.svg"))


def build_sprite() -> str:
    """Every vendored icon as a <symbol id="i-NAME"> (its drawing without Tabler's invisible 24×24 box)."""
    symbols = []
    for name in icon_names():
        svg = (SOURCE / f"{name}.svg").read_text()
        body = svg[svg.index(">", svg.index("<svg")) + 1:svg.rindex("</svg>")]
        body = re.sub(r'\s*<path stroke="none" d="M0 0h24v24H0z" fill="none"\s*/>', "", body)
        body = re.sub(r"\s+", " ", body).strip()
        symbols.append(f'<symbol id="i-{name}" viewBox="0 0 24 24">{body}</symbol>')
    return ('<svg xmlns="http://www.w3.org/2000/svg"><!-- Tabler Icons, MIT licence: zhijiao/web/icons/LICENSE -->\n'
            + "\n".join(symbols) + "\n</svg>\n")


if __name__ == "__main__":
    SPRITE.write_text(build_sprite())
    print(f"{SPRITE}: {len(icon_names())} icons")
