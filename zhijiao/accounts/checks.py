"""System checks: an operator behind a TLS proxy is told to say how many proxies forward client addresses."""

from django.conf import settings
from django.core.checks import Warning, register


@register("zhijiao")
def proxy_count_is_set(app_configs=None, **kwargs):
    # Secure cookies mean TLS ended at a proxy (README). With ZHIJIAO_PROXY_COUNT=0 every login then comes
    # from the proxy's address, and the per-IP login bound (accounts/throttle.py) counts the whole district.
    if not settings.SESSION_COOKIE_SECURE or settings.ZHIJIAO_PROXY_COUNT > 0:
        return []
    return [Warning("ZHIJIAO_SECURE_COOKIES=1 but ZHIJIAO_PROXY_COUNT=0: behind a reverse proxy, every login "
                    "would seem to come from the proxy's address and share one per-IP failure count.",
                    hint="Set ZHIJIAO_PROXY_COUNT to the number of proxies that append to X-Forwarded-For "
                         "(nginx in front: 1), or leave it 0 if clients reach zhijiao directly.",
                    id="zhijiao.accounts.W001")]
