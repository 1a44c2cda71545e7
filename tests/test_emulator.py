"""The Bot API emulation validates like Telegram: the bot's tests are only as good as it is."""

from __future__ import annotations

import json

import pytest

TOKEN = "123456789:SANDBOX-sandbox-sandbox-sandbox-000"


@pytest.fixture
async def api(emulator_server, emulator):
    """Call a Bot API method as the bot would (form-encoded, JSON for structured values)."""
    session = emulator.session
    base = str(emulator_server.make_url(f"/bot{TOKEN}"))

    async def call(method: str, **params):
        form = {k: json.dumps(v) if isinstance(v, (dict, list)) else str(v) for k, v in params.items()}
        async with session.post(f"{base}/{method}", data=form) as response:
            return response.status, await response.json()

    return call


@pytest.fixture
async def anna(emulator):
    user = await emulator.user(501, "Anna", "nl")
    await user.send("/start")
    return user


async def test_send_and_read_back_what_the_user_sees(api, anna):
    status, body = await api("sendMessage", chat_id=501, text="<b>Hallo</b> &amp; welkom", parse_mode="HTML",
                             reply_markup={"inline_keyboard": [[{"text": "Ja", "callback_data": "x:1"}]]})
    assert status == 200 and body["ok"]
    shown = (await anna.bot_messages())[-1]
    assert shown["visible_text"] == "Hallo & welkom"
    assert shown["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "x:1"


@pytest.mark.parametrize("text", ["<script>x</script>", "a & b", "<b>open", "<b>x</i>", "x <unknown> y"])
async def test_bad_html_is_refused_like_telegram(api, anna, text):
    status, body = await api("sendMessage", chat_id=501, text=text, parse_mode="HTML")
    assert status == 400 and "can't parse entities" in body["description"]


async def test_text_length_is_counted_after_entity_parsing(api, anna):
    status, _ = await api("sendMessage", chat_id=501, text="&amp;" * 4096, parse_mode="HTML")
    assert status == 200
    status, body = await api("sendMessage", chat_id=501, text="x" * 4097)
    assert status == 400 and body["description"] == "Bad Request: message is too long"
    status, body = await api("sendMessage", chat_id=501, text="   ")
    assert status == 400


async def test_keyboards_are_checked(api, anna):
    too_long = {"inline_keyboard": [[{"text": "a", "callback_data": "é" * 33}]]}
    status, body = await api("sendMessage", chat_id=501, text="x", reply_markup=too_long)
    assert status == 400 and "BUTTON_DATA_INVALID" in body["description"]
    wide = {"inline_keyboard": [[{"text": str(n), "callback_data": str(n)} for n in range(9)]]}
    assert (await api("sendMessage", chat_id=501, text="x", reply_markup=wide))[0] == 400
    both = {"inline_keyboard": [[{"text": "a", "callback_data": "1", "url": "https://example.org"}]]}
    assert (await api("sendMessage", chat_id=501, text="x", reply_markup=both))[0] == 400


async def test_unknown_chat_blocked_user_and_never_started(api, emulator, anna):
    status, body = await api("sendMessage", chat_id=999, text="x")
    assert status == 400 and body["description"] == "Bad Request: chat not found"
    await anna.block()
    status, body = await api("sendMessage", chat_id=501, text="x")
    assert status == 403 and body["description"] == "Forbidden: bot was blocked by the user"
    await emulator.user(502, "Bob", "en")
    status, _ = await api("sendMessage", chat_id=502, text="x")
    assert status == 403


async def test_flood_limits_answer_429_with_retry_after(api, emulator, anna):
    await emulator.set_limits(enabled=True, per_chat_burst=3, per_chat_per_second=1)
    statuses = [(await api("sendMessage", chat_id=501, text=f"m{n}"))[0] for n in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    _status, body = await api("sendMessage", chat_id=501, text="again")
    assert body["parameters"]["retry_after"] >= 1
    assert (await emulator.stats())["too_many_requests"] >= 2


async def test_overall_limit_of_thirty_per_second(api, emulator):
    await emulator.set_limits(enabled=True, per_chat_burst=100, global_per_second=30)
    for user_id in range(600, 640):
        user = await emulator.user(user_id, "U", "nl")
        await user.send("/start")
    statuses = [(await api("sendMessage", chat_id=user_id, text="hi"))[0] for user_id in range(600, 640)]
    assert statuses.count(200) == 30 and statuses.count(429) == 10


async def test_edit_not_modified_and_delete(api, anna):
    _, body = await api("sendMessage", chat_id=501, text="one")
    message_id = body["result"]["message_id"]
    status, body = await api("editMessageText", chat_id=501, message_id=message_id, text="one")
    assert status == 400 and "message is not modified" in body["description"]
    assert (await api("editMessageText", chat_id=501, message_id=message_id, text="two"))[0] == 200
    assert (await anna.bot_messages())[-1]["visible_text"] == "two"
    assert (await api("deleteMessage", chat_id=501, message_id=message_id))[0] == 200
    assert all(m["message_id"] != message_id for m in await anna.messages())


async def test_callback_query_can_be_answered_once(api, emulator, anna):
    await api("sendMessage", chat_id=501, text="q",
                        reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]})
    pressed = await anna.press("a")
    assert (await api("answerCallbackQuery", callback_query_id=pressed.callback_query_id, text="ok"))[0] == 200
    assert (await api("answerCallbackQuery", callback_query_id=pressed.callback_query_id))[0] == 400
    assert (await emulator.callback_answer(pressed.callback_query_id))["text"] == "ok"


async def test_long_polling_returns_updates_and_confirms_with_offset(api, anna):
    _, body = await api("getUpdates", timeout=0)
    updates = body["result"]
    assert updates[0]["message"]["text"] == "/start"
    assert updates[0]["message"]["entities"][0]["type"] == "bot_command"
    _, body = await api("getUpdates", offset=updates[-1]["update_id"] + 1, timeout=0)
    assert body["result"] == []
