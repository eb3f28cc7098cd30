"""Icons are SVG drawings from the vendored set, never emoji (an empty box on a device without an emoji
font): every app tile names an icon the sprite has, and the sprite is built from the vendored files."""

import re

from zhijiao.web.icons import SPRITE, build_sprite, icon_names
from zhijiao.web.registry import registered_apps


def test_the_sprite_is_built_from_the_vendored_icons():
    assert SPRITE.read_text() == build_sprite(), "run: uv run python -m zhijiao.web.icons"


def test_every_app_tile_has_an_icon_of_the_set():
    names = set(icon_names())
    missing = {a.key: a.icon for a in registered_apps() if a.icon not in names}
    assert not missing, f"icons not in zhijiao/web/icons/: {missing}"


def test_home_tiles_draw_svg_icons_not_emoji(demo, users, client_as):
    html = client_as(users["laoshi"]).get("/").content.decode()
    tiles = re.findall(r'<a class="app-card card".*?</a>', html, re.S)
    assert len(tiles) >= 5
    for tile in tiles:
        assert '<svg class="app-icon"' in tile and '#i-' in tile
        assert not re.search(r"[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]", tile), tile
