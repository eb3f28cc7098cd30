"""Permission matrix of the shell's own pages (the role home, web:home, is in accounts' matrix)."""

from tests.matrix import ANONYMOUS, Case

CASES = [
    Case("web:inbox", lambda w: "/inbox/", allowed="laoshi", denied=ANONYMOUS,
         note="one's own inbox; nobody else's notifications ever show (zhijiao/web/tests/test_inbox.py)"),
    Case("web:inbox", lambda w: "/inbox/", method="POST", data=lambda w: {}, allowed="xuesheng", denied=ANONYMOUS,
         note="全部标为已读 marks only the caller's own"),
]

EXEMPT: dict[str, str] = {
    "manifest": "public: the installable app's manifest (names, colours, icons), the same for everyone",
    "service_worker": "public: the service worker script, the same for everyone; it caches only the shell",
    "web:offline": "public: the page shown without a network; nothing personal (the service worker caches it)",
    "api_docs_asset": "public: Swagger UI's script, stylesheet and icon for /api/v1/docs, as Ninja ships them",
}

# Writes on the caller's own data only: no one else's to deny (a visitor is refused: the ANONYMOUS write case).
EXEMPT_WRITES = {
    "web:inbox": "全部标为已读 marks the signed-in user's own notifications only; there is no one else's to mark",
}
