"""A short-lived in-memory cache of public pages ("micro-caching").

Public pages show the same thing to everyone, and a few seconds of delay in showing a new
initiative is invisible to readers, while rendering a list or the statistics costs database
queries. So a successful GET of a web view route is kept for WEB_CACHE_SECONDS (default 10) per
address and language, in a bounded LRU map, per process. Concurrent requests for a page that is
being rendered wait for that one rendering instead of each asking the database. 0 switches it off.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.config import Settings
from bot.i18n import current_locale
from bot.web.app import SETTINGS
from bot.web.pages import is_web_request

MAX_ENTRIES = 2000
_KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Access-Control-Allow-Origin", "Cache-Control",
                 "Content-Language", "Vary", "Link")


@dataclass(frozen=True)
class CachedPage:
    expires: float
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


class PageCache:
    """Rendered responses by (address, language), each kept for `seconds`."""

    def __init__(self, seconds: float, max_entries: int = MAX_ENTRIES) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self.pages: OrderedDict[tuple[str, str], CachedPage] = OrderedDict()
        self.rendering: dict[tuple[str, str], asyncio.Future[None]] = {}

    def get(self, key: tuple[str, str]) -> CachedPage | None:
        """A fresh cached page, or None."""
        page = self.pages.get(key)
        if page is None:
            return None
        if page.expires < time.monotonic():
            del self.pages[key]
            return None
        self.pages.move_to_end(key)
        return page

    def put(self, key: tuple[str, str], response: web.Response) -> None:
        """Keep a response's body and the headers that describe it."""
        headers = tuple((name, response.headers[name]) for name in _KEPT_HEADERS if name in response.headers)
        self.pages[key] = CachedPage(time.monotonic() + self.seconds, response.status, bytes(response.body),
                                     headers)
        self.pages.move_to_end(key)
        while len(self.pages) > self.max_entries:
            self.pages.popitem(last=False)


PAGE_CACHE = web.AppKey("page_cache", PageCache)


def setup_cache(app: web.Application) -> None:
    """Install the cache middleware when WEB_CACHE_SECONDS is above 0."""
    settings: Settings = app[SETTINGS]
    if settings.web_cache_seconds > 0:
        app[PAGE_CACHE] = PageCache(settings.web_cache_seconds)
        app.middlewares.append(page_cache)


@web.middleware
async def page_cache(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Serve a public GET from the cache, or render it and keep it when it succeeded."""
    if request.method != "GET" or not is_web_request(request) or request.match_info.http_exception is not None:
        return await handler(request)
    cache: PageCache = request.app[PAGE_CACHE]
    key = (request.path_qs, current_locale.get())
    if key in cache.rendering:  # another request renders this page right now: wait for it, not the database
        await asyncio.shield(cache.rendering[key])
    page = cache.get(key)
    if page is not None:
        return _from_cache(page)
    done = cache.rendering[key] = asyncio.get_running_loop().create_future()
    try:
        response = await handler(request)
        if isinstance(response, web.Response) and response.status == 200 \
                and isinstance(response.body, (bytes, bytearray)) and "Set-Cookie" not in response.headers:
            cache.put(key, response)
            response.headers["X-Cache"] = "miss"
        return response
    finally:
        del cache.rendering[key]
        done.set_result(None)


def _from_cache(page: CachedPage) -> web.Response:
    response = web.Response(status=page.status, body=page.body)
    for name, value in page.headers:
        response.headers[name] = value
    response.headers["X-Cache"] = "hit"
    return response
