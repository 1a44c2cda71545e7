"""The web view's request plumbing: language, links, rendering, security headers, error pages.

Language: `?lang=nl|en` wins, then the browser's Accept-Language, then DEFAULT_LOCALE. A `lang`
chosen in the address is carried along in every link the page makes, so addresses stay shareable
and the site needs no cookie. Each request sets the per-request locale ContextVar of bot.i18n,
which `_()` in Python and in the templates (jinja2's i18n extension) read.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.config import SUPPORTED_LOCALES, Settings
from bot.i18n import _, current_locale
from bot.web.app import SETTINGS

log = logging.getLogger(__name__)

TEMPLATES = web.AppKey("web_templates", jinja2.Environment)
ROUTER = web.AppKey("web_router", web.UrlDispatcher)  # the router of the app the web view is in
ROUTE_PREFIX = "web."  # every route of the web view is named web.<something>
LOCALE = web.RequestKey("web_locale", str)
LANG_CHOSEN = web.RequestKey("web_lang_chosen", bool)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def negotiate(query_lang: str | None, accept_language: str | None, default: str) -> tuple[str, bool]:
    """The page language and whether the address chose it: ?lang= first, then Accept-Language."""
    if query_lang and query_lang.strip().lower() in SUPPORTED_LOCALES:
        return query_lang.strip().lower(), True
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "")[:1000].split(",")[:30]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().split("-", 1)[0].lower()
        if primary in SUPPORTED_LOCALES and 0 < quality <= 1:
            ranked.append((-quality, position, primary))
    return (min(ranked)[2] if ranked else default), False


def is_web_request(request: web.Request) -> bool:
    """Whether a request is for the web view (a web.* route, or an address nothing else serves)."""
    match_info = request.match_info
    route = match_info.route
    if (route.name or "").startswith(ROUTE_PREFIX):
        return True
    return match_info.http_exception is not None and len(match_info.apps) <= 1


def locale_of(request: web.Request) -> str:
    """The language of this request's page."""
    return request.get(LOCALE) or current_locale.get()


def link(request: web.Request, name: str, query: Mapping[str, Any] | None = None, **parts: Any) -> str:
    """The path (and query) of a web view route, carrying the page's chosen language along."""
    url = str(request.config_dict[ROUTER][ROUTE_PREFIX + name].url_for(**{k: str(v) for k, v in parts.items()}))
    params = {key: str(value) for key, value in (query or {}).items() if value not in (None, "")}
    if request.get(LANG_CHOSEN):
        params["lang"] = request[LOCALE]
    return f"{url}?{urlencode(params)}" if params else url


def absolute(request: web.Request, path: str) -> str:
    """An address on the public site (PUBLIC_URL) for feeds, sharing and the API."""
    return request.config_dict[SETTINGS].public_url.rstrip("/") + path


def language_links(request: web.Request) -> list[dict[str, str]]:
    """This page in each language, for the language switch."""
    names = {"nl": "Nederlands", "en": "English"}
    return [{"code": code, "name": names.get(code, code), "href": str(request.rel_url.update_query(lang=code)),
             "current": code == locale_of(request)} for code in SUPPORTED_LOCALES]


def render(request: web.Request, template: str, context: Mapping[str, Any] | None = None,
           status: int = 200) -> web.Response:
    """Render a page template with the context every page has."""
    settings: Settings = request.config_dict[SETTINGS]
    full = {
        "request": request,
        "locale": locale_of(request),
        "settings": settings,
        "link": lambda name, query=None, **parts: link(request, name, query, **parts),
        "absolute": lambda path: absolute(request, path),
        "languages": language_links(request),
        "lang_chosen": bool(request.get(LANG_CHOSEN)),
        "static": lambda filename: str(request.config_dict[ROUTER][ROUTE_PREFIX + "static"].url_for(
            filename=filename)),
        "canonical": request.path + (f"?lang={locale_of(request)}" if request.get(LANG_CHOSEN) else ""),
        "telegram_url": f"https://t.me/{settings.bot_username}",
        **(context or {}),
    }
    response = aiohttp_jinja2.render_template(template, request, full, app_key=TEMPLATES, status=status)
    response.headers["Vary"] = "Accept-Language"
    return response


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Strict security headers on every answer (a sub-application may set its own first); static files
    are cached."""
    try:
        response = await handler(request)
    except web.HTTPException as error:
        for key, value in SECURITY_HEADERS.items():
            error.headers.setdefault(key, value)
        raise
    if not response.prepared:
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if request.match_info.route.name == ROUTE_PREFIX + "static" and response.status == 200:
            # the pages link static files with ?v=<hash of the content>, so such a URL never changes
            versioned = "v" in request.query
            response.headers.setdefault("Cache-Control", "public, max-age=31536000, immutable" if versioned
                                        else "public, max-age=3600")
    return response


@web.middleware
async def page_language(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pick the language of a web view request and make it the request's locale."""
    if not is_web_request(request):
        return await handler(request)
    settings: Settings = request.config_dict[SETTINGS]
    locale, chosen = negotiate(request.query.get("lang"), request.headers.get("Accept-Language"),
                               settings.default_locale)
    request[LOCALE], request[LANG_CHOSEN] = locale, chosen
    token = current_locale.set(locale)
    try:
        return await handler(request)
    finally:
        current_locale.reset(token)


def _wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def error_response(request: web.Request, status: int, code: str) -> web.Response:
    """A localized error page (or a JSON error for the API)."""
    if _wants_json(request):
        return web.json_response({"error": code}, status=status, headers={"Access-Control-Allow-Origin": "*"})
    titles = {400: _("This address is not quite right"), 404: _("Page not found"),
              500: _("Something went wrong")}
    return render(request, "error.html", {"status": status, "title": titles.get(status, titles[500]),
                                          "code": code}, status=status)


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Localized 404 and 500 pages for the web view; other applications keep their own errors."""
    if not is_web_request(request):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return error_response(request, 404, "not_found")
    except web.HTTPBadRequest:
        return error_response(request, 400, "bad_request")
    except web.HTTPException:
        raise
    except Exception:
        log.exception("web view error on %s", request.path)
        try:
            return error_response(request, 500, "internal_error")
        except Exception:
            log.exception("the error page failed too")
            return web.Response(status=500, text="500 Internal Server Error")

