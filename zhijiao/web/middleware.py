from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from zhijiao.accounts.selectors import scope_cache_keys
from zhijiao.core import cache
from zhijiao.core.selectors import unread_count_key


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the person chose another language with the switch in the top bar.

    Django's own middleware follows the browser's Accept-Language, so a teacher on a borrowed or
    English-set computer would get an English platform unasked; here only the explicit choice (the
    language cookie set by `set_language`) counts.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class CacheRoundTrips:
    """One cache round trip at the start of a page for what every page reads from the cache: the
    generations (`core.cache.prefetched_generations`), the person's scope and the top bar's unread count,
    instead of one round trip each (`core.cache.prefetch`). Sits after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with cache.request_scope():
            session = getattr(request, "session", None)
            user_id = session.get(SESSION_KEY) if session is not None else None
            if user_id is not None:
                cache.prefetch(cache.prefetched_generations(), values=scope_cache_keys(user_id),
                               keys=[unread_count_key(user_id)])
            return self.get_response(request)
