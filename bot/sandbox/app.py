"""The sandbox page as an aiohttp sub-application (webhook.py mounts it at /sandbox).

The page is server-rendered and works without JavaScript: every action is a form POST that
answers with a redirect back to the chat once the bot has replied (Post/Redirect/Get). With
JavaScript (static/sandbox.js) the same forms are sent in the background and the chat is kept
up to date by long-polling `chat`, which returns each message rendered by the same template.

Routes (below /sandbox):
    GET  /                  the chat page (?as=USER_ID picks the test user)
    GET  /chat              the chat as JSON: {version, messages: [{id, html}], notice}; long-polls
                            with ?since=VERSION&wait=SECONDS
    POST /send              send text (or a photo with a caption) as the user
    POST /press             press an inline button
    POST /language          set the user's Telegram language (language_code)
    POST /citizens          add a test citizen
    POST /demo              load the demo data (bot/services/demo.py)
    GET  /files/{file_id}   a photo or document from the chat

The page acts as any test user, staff included, so it only answers requests addressed to a
loopback host name (which also defeats DNS rebinding) and POSTs from its own origin.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from aiohttp import web

from bot.config import SUPPORTED_LOCALES, Settings
from bot.emulator.server import user_message, user_press
from bot.emulator.state import Chat, EmulatedUser, World
from bot.i18n import _, ngettext, resolve_locale, use_locale
from bot.sandbox import SANDBOX_PREFIX, is_loopback, staff_user_id
from bot.sandbox.render import image_type, message_view
from bot.services import demo

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
BOT_NAME = "Samen voor Elkaar"
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}
DEFAULT_CITIZENS = ((100001, "Anna", "nl"), (100002, "Bram", "nl"), (100003, "Chloé", "en"))
FIRST_NEW_CITIZEN = 100004
MAX_PERSONAS = 30
MAX_NAME = 64
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_WAIT = 25.0
REPLY_WAIT = 5.0  # without JavaScript: how long a POST waits for the bot's answer before redirecting
QUIET = 0.3  # ... and for how long the chat must stay unchanged to count as answered
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


@dataclass
class Persona:
    """A test user of the page: an emulated Telegram user."""

    id: int
    first_name: str
    language: str  # the emulated user's Telegram language_code
    staff: bool = False

    @property
    def locale(self) -> str:
        """The language the page talks in while acting as this user."""
        return resolve_locale(self.language, "nl")


class SandboxState:
    """The page's test users and the emulation it acts on (in memory, like the emulation)."""

    def __init__(self, world: World, settings: Settings) -> None:
        self.world = world
        self.settings = settings
        staff_id = staff_user_id(settings)
        self.personas: dict[int, Persona] = {
            user_id: Persona(user_id, name, language) for user_id, name, language in DEFAULT_CITIZENS
            if user_id != staff_id}
        self.personas[staff_id] = Persona(staff_id, "Sanne", settings.default_locale, staff=True)
        self.presses: dict[int, str] = {}  # user id -> callback query id of their last button press
        self.closing = asyncio.Event()
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                                      undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"])
        self.env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=False)  # type: ignore[attr-defined]

    def persona(self, raw: Any) -> Persona | None:
        """The test user named by a form or query value (None when unknown)."""
        try:
            return self.personas.get(int(str(raw)))
        except ValueError:
            return None

    def user(self, persona: Persona) -> EmulatedUser:
        """The persona's emulated Telegram user (created on first use)."""
        user = self.world.users.get(persona.id)
        if user is None or (user.first_name, user.language_code) != (persona.first_name, persona.language):
            user = self.world.add_user(persona.id, persona.first_name, persona.language)
        return user

    def chat(self, persona: Persona) -> Chat:
        self.user(persona)
        return self.world.chats[persona.id]

    def add_citizen(self, first_name: str, language: str) -> Persona:
        """A new test citizen with the next free id."""
        taken = set(self.personas)
        user_id = max([FIRST_NEW_CITIZEN - 1, *(p.id for p in self.personas.values() if not p.staff)]) + 1
        while user_id in taken:
            user_id += 1
        persona = self.personas[user_id] = Persona(user_id, first_name, language)
        return persona

    def notice(self, persona: Persona) -> dict[str, Any] | None:
        """The bot's answer to the user's last button press, if it had a text."""
        query_id = self.presses.get(persona.id)
        answer = self.world.callback_answers.get(query_id or "")
        if not answer or not answer.get("answered") or not answer.get("text"):
            return None
        return {"id": query_id, "text": str(answer["text"]), "alert": bool(answer.get("show_alert"))}


STATE = web.AppKey("sandbox_state", SandboxState)


# --- guards ---------------------------------------------------------------------------------

@web.middleware
async def guard(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                ) -> web.StreamResponse:
    """Loopback Host only; POSTs from this origin only; strict security headers on every answer."""
    if not is_loopback(request.url.host or ""):
        raise web.HTTPForbidden(text="The sandbox answers on localhost only.")
    if request.method == "POST":
        origin = request.headers.get("Origin")
        site = request.headers.get("Sec-Fetch-Site")
        if (origin is not None and urlsplit(origin).netloc != request.host) or site not in (None, "same-origin",
                                                                                             "none"):
            raise web.HTTPForbidden(text="Cross-site request refused.")
    try:
        response = await handler(request)
    except web.HTTPException as error:
        _secure(error, request)
        raise
    _secure(response, request)
    return response


def _secure(response: web.StreamResponse, request: web.Request) -> None:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")  # (no-referrer would make forms send Origin: null)
    headers.setdefault("X-Frame-Options", "DENY")
    static = request.path.startswith(f"{SANDBOX_PREFIX}/static/")
    headers.setdefault("Cache-Control", "no-cache" if static else "no-store")


# --- helpers --------------------------------------------------------------------------------

def _wants_json(request: web.Request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _page_url(persona: Persona, **extra: str) -> str:
    query = "&".join(f"{key}={quote(value)}" for key, value in {"as": str(persona.id), **extra}.items())
    return f"{SANDBOX_PREFIX}/?{query}"


async def _changed(chat: Chat, closing: asyncio.Event, timeout: float) -> bool:
    """Wait until the chat changes (True), the page closes or `timeout` passes (False)."""
    change = asyncio.ensure_future(chat.changed.wait())
    stop = asyncio.ensure_future(closing.wait())
    try:
        done, _pending = await asyncio.wait({change, stop}, timeout=max(timeout, 0),
                                            return_when=asyncio.FIRST_COMPLETED)
    finally:
        change.cancel()
        stop.cancel()
    return change in done


async def _answered(state: SandboxState, chat: Chat, since: int, query_id: str | None = None) -> None:
    """Without JavaScript: wait (at most REPLY_WAIT) until the bot has answered, so the redirect shows it.

    A button press is answered when its callback query is; a message when the chat changed and then
    stayed unchanged for QUIET seconds.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + REPLY_WAIT
    while loop.time() < deadline and not state.closing.is_set():
        if query_id is not None:
            if state.world.callback_answers.get(query_id, {}).get("answered"):
                return
            await _changed(chat, state.closing, deadline - loop.time())
        elif chat.version > since:
            version = chat.version
            await _changed(chat, state.closing, min(QUIET, deadline - loop.time()))
            if chat.version == version:
                return
        else:
            await _changed(chat, state.closing, deadline - loop.time())


async def _done(request: web.Request, persona: Persona, since: int, query_id: str | None = None,
                ) -> web.StreamResponse:
    state = request.app[STATE]
    if _wants_json(request):
        return web.json_response({"ok": True})
    chat = state.chat(persona)
    await _answered(state, chat, since, query_id)
    shown = [message_id for message_id, message in chat.messages.items() if not message.deleted]
    raise web.HTTPSeeOther(_page_url(persona) + (f"#m{shown[-1]}" if shown else "#composer"))


def _refuse(request: web.Request, persona: Persona, code: str) -> web.StreamResponse:
    if _wants_json(request):
        with use_locale(persona.locale):
            return web.json_response({"ok": False, "error": ERRORS[code]()}, status=400)
    raise web.HTTPSeeOther(_page_url(persona, error=code) + "#composer")


ERRORS: dict[str, Callable[[], str]] = {
    "empty": lambda: _("Type a message (or choose a photo) first."),
    "too-long": lambda: _("A message can be at most {limit} characters.", limit=MAX_TEXT),
    "caption-too-long": lambda: _("A photo caption can be at most {limit} characters.", limit=MAX_CAPTION),
    "not-image": lambda: _("That file is not a photo (PNG, JPEG, GIF or WebP)."),
    "too-large": lambda: _("That file is too large for the sandbox."),
    "gone": lambda: _("That message is no longer in the chat."),
    "name": lambda: _("Give the new test citizen a first name (at most {limit} characters).", limit=MAX_NAME),
    "full": lambda: _("There are enough test users already."),
    "language": lambda: _("Choose one of the languages in the list."),
}


async def _form(request: web.Request) -> Any:
    try:
        return await request.post()
    except web.HTTPRequestEntityTooLarge:
        return None


def _persona_or_404(state: SandboxState, raw: Any) -> Persona:
    persona = state.persona(raw)
    if persona is None:
        raise web.HTTPNotFound(text="unknown test user")
    return persona


def _commands(state: SandboxState, persona: Persona) -> list[dict[str, str]]:
    """The command menu Telegram would show this user (setMyCommands by scope and language)."""
    language = (persona.language or "").split("-", 1)[0]
    for key in (f"chat:{persona.id}:{language}", f"chat:{persona.id}:", f"all_private_chats::{language}",
                "all_private_chats::", f"default::{language}", "default::"):
        if key in state.world.commands:
            return state.world.commands[key]
    return []


def _render_messages(state: SandboxState, chat: Chat, persona: Persona) -> list[tuple[Any, str]]:
    template = state.env.get_template("message.html")
    views = [message_view(m, state.world.files, state.settings.bot_username, persona.locale)
             for m in chat.messages.values() if not m.deleted]
    return [(view, template.module.message(view, persona, _urls(), BOT_NAME)) for view in views]  # type: ignore[attr-defined]


def _urls() -> dict[str, str]:
    return {name: f"{SANDBOX_PREFIX}/{name}" for name in ("send", "press", "language", "citizens", "demo",
                                                          "chat", "files")}


# --- views ----------------------------------------------------------------------------------

async def page(request: web.Request) -> web.Response:
    """The chat of one test user, as Telegram would show it, with the page's controls."""
    state = request.app[STATE]
    persona = state.persona(request.query.get("as", next(iter(state.personas))))
    if persona is None:
        raise web.HTTPSeeOther(f"{SANDBOX_PREFIX}/")
    chat = state.chat(persona)
    demo_initiatives = await demo.demo_initiatives()
    with use_locale(persona.locale):
        rendered = _render_messages(state, chat, persona)
        error_code = request.query.get("error", "")
        body = state.env.get_template("sandbox.html").render(
            bot_name=BOT_NAME, persona=persona, personas=list(state.personas.values()), messages=rendered,
            version=chat.version, urls=_urls(), locale=persona.locale, languages=LANGUAGE_NAMES,
            commands=_commands(state, persona), notice=state.notice(persona),
            error=ERRORS[error_code]() if error_code in ERRORS else None,
            demo_initiatives=demo_initiatives, demo_loaded=request.query.get("done") == "demo",
            script=_static_url(request, "sandbox.js"), stylesheet=_static_url(request, "sandbox.css"),
        )
    state.presses.pop(persona.id, None)  # a notice is shown once
    return web.Response(text=body, content_type="text/html")


def _static_url(request: web.Request, filename: str) -> str:
    return str(request.app.router["static"].url_for(filename=filename))


async def chat_json(request: web.Request) -> web.Response:
    """The chat as JSON, each message rendered as on the page; long-polls for a change."""
    state = request.app[STATE]
    persona = _persona_or_404(state, request.query.get("as"))
    chat = state.chat(persona)
    try:
        since = int(request.query.get("since", "-1"))
        wait = min(max(float(request.query.get("wait", "0")), 0.0), MAX_WAIT)
    except ValueError as error:
        raise web.HTTPBadRequest(text="since and wait are numbers") from error
    if chat.version == since and wait > 0:  # (a different version: the page is behind, or the process restarted)
        await _changed(chat, state.closing, wait)
    with use_locale(persona.locale):
        messages = [{"id": view.id, "key": view.key, "html": str(html)}
                    for view, html in _render_messages(state, chat, persona)]
    return web.json_response({"version": chat.version, "messages": messages, "notice": state.notice(persona)})


async def send(request: web.Request) -> web.StreamResponse:
    """Send the composer's text, or a photo with the text as its caption, as the test user."""
    state = request.app[STATE]
    form = await _form(request)
    persona = _persona_or_404(state, (form or {}).get("as") or request.query.get("as"))
    if form is None:
        return _refuse(request, persona, "too-large")
    text = str(form.get("text") or "").strip()
    upload = form.get("photo")
    photo = None
    if isinstance(upload, web.FileField) and upload.filename:
        content = upload.file.read()
        if content:
            if image_type(content) is None:
                return _refuse(request, persona, "not-image")
            photo = (upload.filename[-100:], content)
    if photo is None and not text:
        return _refuse(request, persona, "empty")
    if len(text) > (MAX_CAPTION if photo else MAX_TEXT):
        return _refuse(request, persona, "caption-too-long" if photo else "too-long")
    user = state.user(persona)
    user_message(state.world, user, text=None if photo else text, photo=photo, caption=text or None)
    return await _done(request, persona, state.world.chats[persona.id].version)


async def press(request: web.Request) -> web.StreamResponse:
    """Press an inline button of one of the bot's messages."""
    state = request.app[STATE]
    form = await _form(request) or {}
    persona = _persona_or_404(state, form.get("as"))
    try:
        message_id = int(str(form.get("message_id")))
    except ValueError:
        return _refuse(request, persona, "gone")
    data = str(form.get("data") or "")
    message = state.chat(persona).messages.get(message_id)
    if message is None or message.deleted or not data:
        return _refuse(request, persona, "gone")
    _update_id, query_id = user_press(state.world, state.user(persona), message_id, data,
                                      state.settings.bot_username)
    state.presses[persona.id] = query_id
    return await _done(request, persona, state.world.chats[persona.id].version, query_id)


async def language(request: web.Request) -> web.StreamResponse:
    """Set the Telegram language of a test user (the bot uses it when it first meets them)."""
    state = request.app[STATE]
    form = await _form(request) or {}
    persona = _persona_or_404(state, form.get("as"))
    chosen = str(form.get("language") or "")
    if chosen not in SUPPORTED_LOCALES:
        return _refuse(request, persona, "language")
    persona.language = chosen
    state.user(persona)
    raise web.HTTPSeeOther(_page_url(persona))


async def add_citizen(request: web.Request) -> web.StreamResponse:
    """Add a test citizen with a first name and a language, and switch to them."""
    state = request.app[STATE]
    form = await _form(request) or {}
    current = state.persona(form.get("as")) or next(iter(state.personas.values()))
    name = " ".join(str(form.get("name") or "").split())
    chosen = str(form.get("language") or "")
    if not name or len(name) > MAX_NAME:
        return _refuse(request, current, "name")
    if chosen not in SUPPORTED_LOCALES:
        return _refuse(request, current, "language")
    if len(state.personas) >= MAX_PERSONAS:
        return _refuse(request, current, "full")
    persona = state.add_citizen(name, chosen)
    state.user(persona)
    raise web.HTTPSeeOther(_page_url(persona))


async def load_demo(request: web.Request) -> web.StreamResponse:
    """Fill the database with the demo data (idempotent), then go back to the chat."""
    state = request.app[STATE]
    form = await _form(request) or {}
    persona = state.persona(form.get("as")) or next(iter(state.personas.values()))
    await demo.seed_demo()
    raise web.HTTPSeeOther(_page_url(persona, done="demo"))


async def file_content(request: web.Request) -> web.Response:
    """A photo (shown inline) or a document (downloaded) from the emulated chats."""
    stored = request.app[STATE].world.files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound()
    name, content = stored
    mime = image_type(content)
    disposition = "inline" if mime else "attachment"
    safe_name = quote(name.replace("/", "_")[-150:] or "file")
    return web.Response(body=content, content_type=mime or "application/octet-stream", headers={
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{safe_name}",
        "Content-Security-Policy": "default-src 'none'; sandbox"})


async def to_page(request: web.Request) -> web.StreamResponse:
    """/sandbox -> /sandbox/."""
    query = f"?{request.query_string}" if request.query_string else ""
    raise web.HTTPFound(f"{SANDBOX_PREFIX}/{query}")


async def _wake_pollers(app: web.Application) -> None:
    app[STATE].closing.set()  # long polls end at once, so shutdown does not wait for them


def create_sandbox_app(settings: Settings, world: World) -> web.Application:
    """The sandbox page, acting on the emulation's `world`; mount it at SANDBOX_PREFIX."""
    app = web.Application(middlewares=[guard])
    app[STATE] = SandboxState(world, settings)
    app.router.add_get("", to_page)
    app.router.add_get("/", page)
    app.router.add_get("/chat", chat_json)
    app.router.add_post("/send", send)
    app.router.add_post("/press", press)
    app.router.add_post("/language", language)
    app.router.add_post("/citizens", add_citizen)
    app.router.add_post("/demo", load_demo)
    app.router.add_get("/files/{file_id}", file_content)
    app.router.add_static("/static", HERE / "static", name="static", append_version=True)
    app.on_shutdown.append(_wake_pollers)
    return app
