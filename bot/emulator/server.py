"""The emulation's HTTP side: Bot API methods under /bot<token>/ and a control API under /_emulator/."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bot.emulator.state import ChatMessage, EmulatedUser, FloodLimits, World
from bot.telegram_html import MAX_CAPTION, BadRequest, check_reply_markup, check_text

log = logging.getLogger(__name__)

WORLD = web.AppKey("emulator_world", World)
BOT_USERNAME = web.AppKey("emulator_bot_username", str)

_JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates", "entities", "link_preview_options",
                "reply_parameters", "media"}
_SEND_METHODS = {"sendmessage", "senddocument", "sendphoto", "copymessage", "forwardmessage"}


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


Params = dict[str, Any]
Method = Callable[[web.Request, World, Params], Awaitable[Any]]


async def read_params(request: web.Request) -> Params:
    """Bot API parameters from a query string, JSON body, form or multipart body."""
    params: Params = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
        return params
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if part.filename:
                params[part.name] = {"filename": part.filename, "content": await part.read()}
            else:
                params[part.name] = await part.text()
    else:
        params.update(await request.post())
    for key in _JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            try:
                params[key] = json.loads(params[key])
            except ValueError as error:
                raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from error
    return params


def flag(params: Params, name: str) -> bool:
    """A boolean parameter, sent as true/false text or JSON."""
    value = params.get(name)
    return value is True or (isinstance(value, str) and value.lower() == "true")


def chat_of(world: World, params: Params) -> Any:
    """The private chat a method addresses; Telegram's errors when it cannot be used."""
    raw = params.get("chat_id")
    try:
        chat_id = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise ApiError(400, "Bad Request: chat not found") from error
    chat = world.chats.get(chat_id)
    if chat is None:
        raise ApiError(400, "Bad Request: chat not found")
    if chat.user.blocked_bot:
        world.counters.forbidden += 1
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    if not chat.user.started:
        world.counters.forbidden += 1
        raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
    return chat


def check_flood(world: World, chat: Any, paid: bool) -> None:
    """Raise 429 when a send would break the overall or the per-chat limit."""
    limits = world.limits
    if not limits.enabled:
        return
    now = time.monotonic()
    if now < world.flood_until:
        raise _too_many(world, world.flood_until - now)
    while world.recent_sends and now - world.recent_sends[0] >= 1.0:
        world.recent_sends.popleft()
    overall = limits.paid_per_second if paid else limits.global_per_second
    if len(world.recent_sends) >= overall:
        world.flood_until = world.recent_sends[0] + 1.0
        raise _too_many(world, world.flood_until - now)
    elapsed = now - chat.tokens_at if chat.tokens_at else math.inf
    chat.tokens = min(limits.per_chat_burst, chat.tokens + elapsed * limits.per_chat_per_second)
    chat.tokens_at = now
    if chat.tokens < 1.0:
        raise _too_many(world, (1.0 - chat.tokens) / limits.per_chat_per_second)
    chat.tokens -= 1.0
    world.recent_sends.append(now)


def _too_many(world: World, wait: float) -> ApiError:
    world.counters.too_many_requests += 1
    retry_after = max(1, math.ceil(wait))
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def message_json(request: web.Request, chat: Any, message: ChatMessage) -> dict[str, Any]:
    """A sent message as the Bot API returns it."""
    bot = bot_user(request)
    result: dict[str, Any] = {
        "message_id": message.message_id,
        "from": bot,
        "chat": {"id": chat.user.id, "type": "private", "first_name": chat.user.first_name},
        "date": message.date,
    }
    if message.photo:
        result["photo"] = [{"file_id": message.photo, "file_unique_id": message.photo, "width": 1, "height": 1}]
        if message.visible_text:
            result["caption"] = message.visible_text
    elif message.document:
        result["document"] = {"file_id": message.document["file_id"],
                              "file_unique_id": message.document["file_id"],
                              "file_name": message.document["file_name"]}
        if message.visible_text:
            result["caption"] = message.visible_text
    else:
        result["text"] = message.visible_text
    if message.edited:
        result["edit_date"] = int(time.time())
    if message.reply_markup:
        result["reply_markup"] = message.reply_markup
    return result


def bot_user(request: web.Request) -> dict[str, Any]:
    """The bot as a Bot API `User`, its id taken from the token."""
    token = request.match_info["token"]
    bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
    return {"id": bot_id, "is_bot": True, "first_name": "Samen voor Elkaar",
            "username": request.app[BOT_USERNAME], "can_join_groups": False,
            "can_read_all_group_messages": False, "supports_inline_queries": False}


def store_file(world: World, upload: Any, kind: str) -> tuple[str, str]:
    """Keep an uploaded file (or accept a file_id); return (file_id, file_name)."""
    if isinstance(upload, dict):
        file_id = f"{kind}-{len(world.files) + 1}"
        world.files[file_id] = (upload["filename"], upload["content"])
        return file_id, upload["filename"]
    if isinstance(upload, str) and upload:
        name = world.files.get(upload, (upload, b""))[0]
        return upload, name
    raise ApiError(400, f"Bad Request: there is no {kind} in the request")


# --- Bot API methods -------------------------------------------------------------------------

async def get_me(request: web.Request, world: World, params: Params) -> Any:
    return bot_user(request)


async def get_updates(request: web.Request, world: World, params: Params) -> Any:
    if world.webhook:
        raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                            "use deleteWebhook to delete the webhook first")
    if world.counters.first_get_updates_at is None:
        world.counters.first_get_updates_at = time.time()
    offset = int(params.get("offset") or 0)
    limit = min(max(int(params.get("limit") or 100), 1), 100)
    timeout = min(float(params.get("timeout") or 0), 50.0)
    allowed = params.get("allowed_updates") or []
    while world.updates and offset and world.updates[0]["update_id"] < offset:
        world.updates.popleft()
    if not world.updates and timeout > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(world.new_update.wait(), timeout)
    batch = [u for u in list(world.updates)[:limit] if not allowed or any(k in u for k in allowed)]
    return batch


async def set_webhook(request: web.Request, world: World, params: Params) -> Any:
    url = str(params.get("url") or "")
    if not url:
        return await delete_webhook(request, world, params)
    secret = params.get("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
        raise ApiError(400, "Bad Request: secret token contains unallowed characters")
    await _stop_webhook(world)
    world.webhook = {"url": url, "secret_token": secret,
                     "max_connections": int(params.get("max_connections") or 40)}
    if flag(params, "drop_pending_updates"):
        world.updates.clear()
    world.webhook["task"] = asyncio.get_running_loop().create_task(_deliver_webhook(world))
    return True


async def delete_webhook(request: web.Request, world: World, params: Params) -> Any:
    await _stop_webhook(world)
    if flag(params, "drop_pending_updates"):
        world.updates.clear()
    return True


async def get_webhook_info(request: web.Request, world: World, params: Params) -> Any:
    if not world.webhook:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(world.updates)}
    return {"url": world.webhook["url"], "has_custom_certificate": False,
            "pending_update_count": len(world.updates), "max_connections": world.webhook["max_connections"]}


async def send_message(request: web.Request, world: World, params: Params) -> Any:
    chat = chat_of(world, params)
    visible = check_text(params.get("text"), params.get("parse_mode"))
    markup = check_reply_markup(params.get("reply_markup"))
    check_flood(world, chat, flag(params, "allow_paid_broadcast"))
    return _append(request, world, chat, ChatMessage(
        next(world.message_ids), True, int(time.time()), text=str(params["text"]), visible_text=visible,
        parse_mode=params.get("parse_mode"), reply_markup=markup))


async def send_photo(request: web.Request, world: World, params: Params) -> Any:
    chat = chat_of(world, params)
    visible = check_text(params.get("caption"), params.get("parse_mode"), limit=MAX_CAPTION, caption=True)
    markup = check_reply_markup(params.get("reply_markup"))
    file_id, _ = store_file(world, params.get("photo"), "photo")
    check_flood(world, chat, flag(params, "allow_paid_broadcast"))
    return _append(request, world, chat, ChatMessage(
        next(world.message_ids), True, int(time.time()), text=params.get("caption"), visible_text=visible,
        parse_mode=params.get("parse_mode"), reply_markup=markup, photo=file_id))


async def send_document(request: web.Request, world: World, params: Params) -> Any:
    chat = chat_of(world, params)
    visible = check_text(params.get("caption"), params.get("parse_mode"), limit=MAX_CAPTION, caption=True)
    markup = check_reply_markup(params.get("reply_markup"))
    file_id, file_name = store_file(world, params.get("document"), "document")
    check_flood(world, chat, flag(params, "allow_paid_broadcast"))
    return _append(request, world, chat, ChatMessage(
        next(world.message_ids), True, int(time.time()), text=params.get("caption"), visible_text=visible,
        parse_mode=params.get("parse_mode"), reply_markup=markup,
        document={"file_id": file_id, "file_name": file_name}))


def _append(request: web.Request, world: World, chat: Any, message: ChatMessage) -> dict[str, Any]:
    chat.messages[message.message_id] = message
    world.counters.sent += 1
    world.counters.last_sent_at = time.time()
    if world.counters.first_sent_at is None:
        world.counters.first_sent_at = world.counters.last_sent_at
    chat.touch()
    return message_json(request, chat, message)


def _message_of(world: World, params: Params, action: str) -> tuple[Any, ChatMessage]:
    chat = chat_of(world, params)
    try:
        message = chat.messages[int(params.get("message_id"))]  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError) as error:
        raise ApiError(400, f"Bad Request: message to {action} not found") from error
    if message.deleted:
        raise ApiError(400, f"Bad Request: message to {action} not found")
    return chat, message


async def edit_message_text(request: web.Request, world: World, params: Params) -> Any:
    chat, message = _message_of(world, params, "edit")
    if not message.from_bot:
        raise ApiError(400, "Bad Request: message can't be edited")
    visible = check_text(params.get("text"), params.get("parse_mode"))
    markup = check_reply_markup(params.get("reply_markup"))
    if visible == message.visible_text and markup == message.reply_markup:
        raise ApiError(400, "Bad Request: message is not modified: specified new message content and "
                            "reply markup are exactly the same as a current content and reply markup of the message")
    message.text, message.visible_text, message.parse_mode = str(params["text"]), visible, params.get("parse_mode")
    message.reply_markup, message.edited = markup, True
    chat.touch()
    return message_json(request, chat, message)


async def edit_message_reply_markup(request: web.Request, world: World, params: Params) -> Any:
    chat, message = _message_of(world, params, "edit")
    markup = check_reply_markup(params.get("reply_markup"))
    if markup == message.reply_markup:
        raise ApiError(400, "Bad Request: message is not modified: specified new message content and "
                            "reply markup are exactly the same as a current content and reply markup of the message")
    message.reply_markup, message.edited = markup, True
    chat.touch()
    return message_json(request, chat, message)


async def delete_message(request: web.Request, world: World, params: Params) -> Any:
    chat, message = _message_of(world, params, "delete")
    message.deleted = True
    chat.touch()
    return True


async def answer_callback_query(request: web.Request, world: World, params: Params) -> Any:
    query_id = str(params.get("callback_query_id") or "")
    answer = world.callback_answers.get(query_id)
    if answer is None or answer["answered"]:
        raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if text is not None and len(str(text)) > 200:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
    answer.update(answered=True, text=text, show_alert=flag(params, "show_alert"))
    world.chats[answer["user_id"]].touch()
    return True


async def send_chat_action(request: web.Request, world: World, params: Params) -> Any:
    chat_of(world, params)
    return True


def _scope_key(params: Params) -> str:
    scope = params.get("scope") or {"type": "default"}
    return f"{scope.get('type', 'default')}:{scope.get('chat_id', '')}:{params.get('language_code') or ''}"


async def set_my_commands(request: web.Request, world: World, params: Params) -> Any:
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise ApiError(400, "Bad Request: too many commands")
    for command in commands:
        if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    scope = params.get("scope") or {}
    if "chat_id" in scope:
        chat_of(world, {"chat_id": scope["chat_id"]})
    language = params.get("language_code")
    if language and not re.fullmatch(r"[a-z]{2}", str(language)):
        raise ApiError(400, "Bad Request: invalid language code")
    world.commands[_scope_key(params)] = commands
    return True


async def get_my_commands(request: web.Request, world: World, params: Params) -> Any:
    return world.commands.get(_scope_key(params), [])


async def delete_my_commands(request: web.Request, world: World, params: Params) -> Any:
    world.commands.pop(_scope_key(params), None)
    return True


async def get_file(request: web.Request, world: World, params: Params) -> Any:
    file_id = str(params.get("file_id") or "")
    if file_id not in world.files:
        raise ApiError(400, "Bad Request: invalid file_id")
    return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(world.files[file_id][1]),
            "file_path": file_id}


async def log_out(request: web.Request, world: World, params: Params) -> Any:
    return True


METHODS: dict[str, Method] = {
    "getme": get_me,
    "getupdates": get_updates,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "sendmessage": send_message,
    "sendphoto": send_photo,
    "senddocument": send_document,
    "editmessagetext": edit_message_text,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "answercallbackquery": answer_callback_query,
    "sendchataction": send_chat_action,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "getfile": get_file,
    "logout": log_out,
    "close": log_out,
}


async def bot_api(request: web.Request) -> web.Response:
    """Dispatch one Bot API call; answer in Telegram's envelope."""
    world = request.app[WORLD]
    method = request.match_info["method"].lower()
    world.counters.requests[method] = world.counters.requests.get(method, 0) + 1
    handler = METHODS.get(method)
    if handler is None:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
    try:
        params = await read_params(request)
        result = await handler(request, world, params)
    except ConnectionResetError:  # the bot went away mid-request (it is shutting down): nobody to answer
        return web.Response(status=499)
    except BadRequest as error:
        world.counters.bad_requests += 1
        return web.json_response({"ok": False, "error_code": 400, "description": str(error)}, status=400)
    except ApiError as error:
        if error.code == 400:
            world.counters.bad_requests += 1
        body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
        if error.retry_after is not None:
            body["parameters"] = {"retry_after": error.retry_after}
        return web.json_response(body, status=error.code)
    return web.json_response({"ok": True, "result": result})


async def download_file(request: web.Request) -> web.Response:
    """Serve a stored file the way api.telegram.org/file/bot<token>/<path> does."""
    world = request.app[WORLD]
    stored = world.files.get(request.match_info["path"])
    if stored is None:
        raise web.HTTPNotFound()
    return web.Response(body=stored[1], content_type="application/octet-stream")


# --- webhook delivery ------------------------------------------------------------------------

async def _stop_webhook(world: World) -> None:
    if world.webhook and (task := world.webhook.get("task")):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    world.webhook = None


def _chat_id_of(update: dict[str, Any]) -> int | None:
    for key in ("message", "callback_query", "my_chat_member", "edited_message"):
        if key in update:
            return update[key].get("from", {}).get("id")
    return None


async def _deliver_webhook(world: World) -> None:
    """POST pending updates to the webhook as Telegram does.

    Each chat's updates go one at a time and in order (the next only after a 2xx for the one
    before); different chats' go concurrently, at most `max_connections` at once. A non-2xx
    answer or a failed connection is retried with a growing delay (0.1 s doubling to 2 s), so an
    update leaves the queue only once the bot acknowledged it. When the webhook is changed or
    removed, deliveries in flight stop and their updates stay queued for whoever comes next.
    """
    assert world.webhook is not None
    hook = world.webhook
    hook.setdefault("deliveries", 0)
    in_flight: set[int | None] = set()
    inflight_ids: set[int] = set()
    running: set[asyncio.Task[None]] = set()
    headers = {"X-Telegram-Bot-Api-Secret-Token": hook["secret_token"]} if hook["secret_token"] else {}
    async with ClientSession(timeout=ClientTimeout(total=60)) as session:

        async def post(update: dict[str, Any], chat_id: int | None) -> None:
            delay = 0.1
            try:
                while True:
                    hook["deliveries"] += 1
                    try:
                        async with session.post(hook["url"], json=update, headers=headers) as response:
                            if 200 <= response.status < 300:
                                with contextlib.suppress(ValueError):
                                    world.updates.remove(update)
                                return
                    except (OSError, TimeoutError, ClientError) as error:  # the bot being down is normal here
                        log.debug("webhook delivery failed: %s", type(error).__name__)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
            finally:
                in_flight.discard(chat_id)
                inflight_ids.discard(update["update_id"])
                world.new_update.set()
                world.new_update = asyncio.Event()

        try:
            while True:
                waiter = world.new_update
                for update in list(world.updates):
                    chat_id = _chat_id_of(update)
                    if (update["update_id"] in inflight_ids or chat_id in in_flight
                            or len(running) >= hook["max_connections"]):
                        continue
                    in_flight.add(chat_id)
                    inflight_ids.add(update["update_id"])
                    task = asyncio.get_running_loop().create_task(post(update, chat_id))
                    running.add(task)
                    task.add_done_callback(running.discard)
                await waiter.wait()
        finally:
            for task in list(running):
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)


# --- control API: act as users, read what they see ---------------------------------------------

def _user_or_404(world: World, request: web.Request) -> Any:
    try:
        return world.users[int(request.match_info["user_id"])]
    except (KeyError, ValueError) as error:
        raise web.HTTPNotFound(text="unknown user") from error


async def create_user(request: web.Request) -> web.Response:
    """POST {id, first_name, language_code?, username?}: a user who can write to the bot."""
    world = request.app[WORLD]
    body = await request.json()
    user = world.add_user(int(body["id"]), str(body.get("first_name") or "User"),
                          body.get("language_code"), body.get("username"))
    return web.json_response(user.as_telegram())


async def create_users_in_bulk(request: web.Request) -> web.Response:
    """POST {first_id, count, language_code?}: many users who have started the bot (for load tests)."""
    world = request.app[WORLD]
    body = await request.json()
    first_id, count = int(body["first_id"]), min(int(body["count"]), 1_000_000)
    for user_id in range(first_id, first_id + count):
        world.add_user(user_id, f"User{user_id}", body.get("language_code")).started = True
    return web.json_response({"created": count})


def _message_update(user: Any, message_id: int, extra: dict[str, Any]) -> dict[str, Any]:
    message = {"message_id": message_id, "from": user.as_telegram(), "date": int(time.time()),
               "chat": {"id": user.id, "type": "private", "first_name": user.first_name}, **extra}
    return {"message": message}


def user_message(world: World, user: EmulatedUser, *, text: str | None = None,
                 photo: tuple[str, bytes] | None = None, caption: str | None = None,
                 sticker: bool = False, entities: list[dict[str, Any]] | None = None) -> tuple[int, int]:
    """The user sends text (with formatting `entities`, as Telegram clients send them), a photo
    (file name, bytes) with an optional caption, or a sticker.

    Returns (update_id, message_id). In-process counterpart of POST /_emulator/users/{id}/messages,
    used by the sandbox page; raises ValueError for an empty message.
    """
    chat = world.chats[user.id]
    message_id = next(world.message_ids)
    extra: dict[str, Any] = {}
    stored = ChatMessage(message_id, False, int(time.time()))
    if photo is not None:
        file_id = f"userphoto-{message_id}"
        world.files[file_id] = photo
        extra["photo"] = [{"file_id": file_id, "file_unique_id": file_id, "width": 640, "height": 480,
                           "file_size": len(photo[1])}]
        stored.photo = file_id
        if caption:
            extra["caption"] = stored.visible_text = str(caption)
    elif sticker:
        extra["sticker"] = {"file_id": f"sticker-{message_id}", "file_unique_id": f"s{message_id}",
                            "type": "regular", "width": 512, "height": 512, "is_animated": False,
                            "is_video": False, "emoji": "👍"}
        stored.sticker = True
    else:
        if not text:
            raise ValueError("a message needs text, photo or sticker")
        extra["text"] = stored.text = stored.visible_text = text
        if text.startswith("/"):
            command = text.split()[0]
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        elif entities:
            extra["entities"] = entities
    if user.blocked_bot:
        user.blocked_bot = False
    user.started = True
    chat.messages[message_id] = stored
    chat.touch()
    update_id = world.push_update(_message_update(user, message_id, extra))
    return update_id, message_id


async def user_sends(request: web.Request) -> web.Response:
    """POST {text, entities?} or {photo: true, caption?} or {sticker: true}: the user sends a message."""
    world = request.app[WORLD]
    user = _user_or_404(world, request)
    body = await request.json()
    photo = ("photo.jpg", b"\xff\xd8\xff\xe0 emulated photo") if body.get("photo") else None
    try:
        update_id, message_id = user_message(world, user, text=str(body.get("text", "")), photo=photo,
                                             caption=body.get("caption"), sticker=bool(body.get("sticker")),
                                             entities=body.get("entities"))
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from error
    return web.json_response({"update_id": update_id, "message_id": message_id})


def user_press(world: World, user: EmulatedUser, message_id: int, data: str, bot_username: str) -> tuple[int, str]:
    """The user presses an inline button; returns (update_id, callback_query_id).

    In-process counterpart of POST /_emulator/users/{id}/callbacks (any data may be forged);
    raises LookupError when the chat has no such message.
    """
    message = world.chats[user.id].messages.get(message_id)
    if message is None:
        raise LookupError("no such message")
    query_id = str(next(world.callback_ids))
    world.callback_answers[query_id] = {"answered": False, "user_id": user.id, "text": None}
    bot = {"id": 1, "is_bot": True, "first_name": "Samen voor Elkaar", "username": bot_username}
    message_json_ = {"message_id": message.message_id, "from": bot, "date": message.date,
                     "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
                     "text": message.visible_text or ""}
    if message.reply_markup:
        message_json_["reply_markup"] = message.reply_markup
    update = {"callback_query": {"id": query_id, "from": user.as_telegram(), "chat_instance": str(user.id),
                                 "message": message_json_, "data": str(data)}}
    return world.push_update(update), query_id


async def user_presses(request: web.Request) -> web.Response:
    """POST {message_id, data}: the user presses an inline button (any data may be forged)."""
    world = request.app[WORLD]
    user = _user_or_404(world, request)
    body = await request.json()
    try:
        update_id, query_id = user_press(world, user, int(body["message_id"]), str(body["data"]),
                                         request.app[BOT_USERNAME])
    except LookupError as error:
        raise web.HTTPNotFound(text=str(error)) from error
    return web.json_response({"update_id": update_id, "callback_query_id": query_id})


async def user_blocks(request: web.Request) -> web.Response:
    """POST: the user blocks the bot (my_chat_member 'kicked')."""
    return _member_change(request, blocked=True)


async def user_unblocks(request: web.Request) -> web.Response:
    """POST: the user unblocks the bot (my_chat_member 'member')."""
    return _member_change(request, blocked=False)


def _member_change(request: web.Request, blocked: bool) -> web.Response:
    world = request.app[WORLD]
    user = _user_or_404(world, request)
    user.blocked_bot = blocked
    bot = {"id": 1, "is_bot": True, "first_name": "Samen voor Elkaar", "username": request.app[BOT_USERNAME]}
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    update = {"my_chat_member": {
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": user.as_telegram(), "date": int(time.time()),
        "old_chat_member": {"user": bot, "status": old} if old == "member" else
        {"user": bot, "status": old, "until_date": 0},
        "new_chat_member": {"user": bot, "status": new} if new == "member" else
        {"user": bot, "status": new, "until_date": 0},
    }}
    update_id = world.push_update(update)
    return web.json_response({"update_id": update_id})


async def user_chat(request: web.Request) -> web.Response:
    """GET ?since=VERSION&wait=SECONDS: the chat as the user sees it (long-polls for a change)."""
    world = request.app[WORLD]
    user = _user_or_404(world, request)
    chat = world.chats[user.id]
    since = int(request.query.get("since", "-1"))
    wait = min(float(request.query.get("wait", "0")), 30.0)
    if chat.version <= since and wait > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(chat.changed.wait(), wait)
    messages = [m.as_dict() for m in chat.messages.values() if not m.deleted]
    return web.json_response({"version": chat.version, "blocked": user.blocked_bot, "messages": messages})


async def callback_answer(request: web.Request) -> web.Response:
    """GET: how the bot answered a callback query (answered, text, show_alert)."""
    answer = request.app[WORLD].callback_answers.get(request.match_info["query_id"])
    if answer is None:
        raise web.HTTPNotFound()
    return web.json_response(answer)


async def stats(request: web.Request) -> web.Response:
    """GET: request counts, messages sent, 429/403/400 answers given."""
    counters = request.app[WORLD].counters
    return web.json_response({"requests": counters.requests, "sent": counters.sent,
                              "too_many_requests": counters.too_many_requests,
                              "forbidden": counters.forbidden, "bad_requests": counters.bad_requests,
                              "first_sent_at": counters.first_sent_at, "last_sent_at": counters.last_sent_at,
                              "first_get_updates_at": counters.first_get_updates_at,
                              "pending_updates": len(request.app[WORLD].updates)})


async def set_limits(request: web.Request) -> web.Response:
    """PUT {enabled, global_per_second, paid_per_second, per_chat_per_second, per_chat_burst}."""
    world = request.app[WORLD]
    body = await request.json()
    for key, value in body.items():
        if hasattr(world.limits, key):
            setattr(world.limits, key, type(getattr(world.limits, key))(value))
    return web.json_response(world.limits.__dict__)


async def commands(request: web.Request) -> web.Response:
    """GET: every command list the bot registered, by scope:chat:language."""
    return web.json_response(request.app[WORLD].commands)


async def file_content(request: web.Request) -> web.Response:
    """GET: the bytes of a document the bot sent."""
    stored = request.app[WORLD].files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound()
    return web.Response(body=stored[1], content_type="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="{stored[0]}"'})


def create_emulator_app(limits: FloodLimits | None = None, bot_username: str = "SamenVoorElkaarBot") -> web.Application:
    """The emulation as an aiohttp application (mount it, or run it on its own port)."""
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app[WORLD] = World(limits)
    app[BOT_USERNAME] = bot_username
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path}", download_file)
    app.router.add_post("/_emulator/users", create_user)
    app.router.add_post("/_emulator/users/bulk", create_users_in_bulk)
    app.router.add_post("/_emulator/users/{user_id}/messages", user_sends)
    app.router.add_post("/_emulator/users/{user_id}/callbacks", user_presses)
    app.router.add_post("/_emulator/users/{user_id}/block", user_blocks)
    app.router.add_post("/_emulator/users/{user_id}/unblock", user_unblocks)
    app.router.add_get("/_emulator/users/{user_id}/chat", user_chat)
    app.router.add_get("/_emulator/callback_answers/{query_id}", callback_answer)
    app.router.add_get("/_emulator/stats", stats)
    app.router.add_put("/_emulator/limits", set_limits)
    app.router.add_get("/_emulator/commands", commands)
    app.router.add_get("/_emulator/files/{file_id}", file_content)
    app.on_cleanup.append(_cleanup)
    return app


async def _cleanup(app: web.Application) -> None:
    await _stop_webhook(app[WORLD])
