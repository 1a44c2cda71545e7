"""Updates: an initiator posts news (text, optional photo) to everyone who joined or follows.

At most one update per initiative per UPDATE_INTERVAL_SECONDS (a day by default); a refusal says
when the next one can go out. Buttons: "upd:ID" start, "upd:ID:send|edit|cancel".

```mermaid
flowchart LR
    card["card: 📣 Post an update"] --> start["upd:ID: initiator? published? not too soon?"]
    start -->|no| refused["why not (and when again)"]
    start -->|yes| text["upd.text: text, or a photo with a caption"]
    text --> preview["upd.confirm: preview + number of recipients"]
    preview -->|Send| sent["stored + queued in the outbox for each recipient, in their language"]
    preview -->|Change| text
    preview -->|Cancel| card2["the card"]
```
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from babel.dates import format_timedelta
from telegram import Update

from bot.engine import END, BotContext, Flow, Router, StepResult, begin
from bot.i18n import N_, _, ngettext, use_locale
from bot.replies import button, clip, esc, keyboard, send, show
from bot.services import initiative_updates
from bot.services.errors import InvalidValue, NotAllowed, NotFound, TooSoon
from handlers import steps
from handlers.browse import CARD, deep_link_url, not_found_text, show_card, web_url

FLOW = "upd"
PREFIX = "upd"


class Step(Flow):
    TEXT = "upd.text"
    CONFIRM = "upd.confirm"


def _interval(context: BotContext) -> timedelta:
    return timedelta(seconds=context.settings.update_interval_seconds)


def _id(data: str) -> int | None:
    parts = data.split(":")
    value = parts[1] if len(parts) > 1 else ""
    return int(value) if value.isdigit() and len(value) < 10 else None


def refusal(context: BotContext, error: NotFound | NotAllowed) -> str:
    """Why an update cannot be posted (and, for the daily limit, when it can)."""
    if isinstance(error, TooSoon):
        wait = format_timedelta(max(error.until - datetime.now(UTC), timedelta(minutes=1)), granularity="minute",
                                threshold=1.1, add_direction=True, locale=context.locale)
        return _("Each initiative can send one update per {period}, so its members are not flooded. "
                 "You can post the next one {when}.", period=_period(context), when=wait)
    if isinstance(error, NotFound):
        return not_found_text()
    if str(error) == "not_published":
        return _("You can post updates once your initiative is published.")
    return _("Only the initiator of an initiative can post its updates.")


def _period(context: BotContext) -> str:
    seconds = context.settings.update_interval_seconds
    if seconds == 86400:
        return _("day")
    return format_timedelta(timedelta(seconds=seconds), threshold=1.1, locale=context.locale)


def render(context: BotContext, title: str, initiative_id: int, text: str, author: str | None,
           update_id: int | None = None) -> str:
    """The update as a recipient sees it, in the current locale: header, the author's text (escaped), links."""
    lines = ["📣 " + _("News from <b>{title}</b>", title=clip(title, 100)), "", esc(text)]
    if author:
        lines.append("— " + esc(author))
    lines.append("")
    lines.append("<i>" + _("You get this because you joined or follow this initiative.") + "</i> "
                 + f'<a href="{esc(deep_link_url(context.settings.bot_username, initiative_id))}">'
                 + _("Open it") + "</a> · "
                 + f'<a href="{esc(web_url(context, initiative_id))}">' + _("website") + "</a>")
    if update_id is not None:
        report = f"https://t.me/{context.settings.bot_username}?start=report-u-{update_id}"
        lines[-1] += f' · <a href="{esc(report)}">' + _("Report") + "</a>"
    return "\n".join(lines)


async def start_update(update: Update, context: BotContext) -> StepResult:
    """Route the update buttons; "upd:ID" checks the rights and the limit, then asks for the text."""
    initiative_id = _id(context.callback_data)
    action = ([*context.callback_data.split(":"), "", ""])[2]
    if initiative_id is None:
        return await steps.stale(update, context)
    if action:
        return await confirm_button(update, context, initiative_id, action)
    try:
        target = await initiative_updates.prepare(context.citizen.id, initiative_id, _interval(context))
    except (NotFound, NotAllowed) as error:
        context.notice = _("Not possible now.")
        await show(update, context, refusal(context, error),
                   keyboard([button("‹ " + _("Back to the initiative"), f"{CARD}:{initiative_id}")]))
        return None
    step = begin(context, Step.TEXT, {"id": initiative_id, "title": target.title, "recipients": target.recipients})
    await ask_text(update, context)
    return step


async def ask_text(update: Update, context: BotContext) -> StepResult:
    """Ask for the update's text (or a photo with a caption)."""
    data = context.conversation.data
    recipients = data.get("recipients", 0)
    text = ("<b>" + _("Your update for “{title}”", title=clip(data.get("title", ""), 100)) + "</b>\n"
            + ngettext("It goes to {n} member or follower.", "It goes to {n} members and followers.", recipients)
            + "\n💡 " + _("Send the text (at most {limit} characters), or a photo with a caption "
                         "(at most {photo_limit} characters).", limit=initiative_updates.MAX_TEXT,
                         photo_limit=initiative_updates.MAX_TEXT_WITH_PHOTO))
    await show(update, context, text, keyboard([button("‹ " + _("Cancel"), f"{PREFIX}:{data.get('id')}:cancel")]))
    return None


async def text_received(update: Update, context: BotContext) -> StepResult:
    """Store the update's text (and photo); show a preview with Send / Change / Cancel."""
    photo = steps.photo_of(update)
    message = update.effective_message
    text = (message.caption if photo else steps.text_of(update)) if message else None
    if text is None and photo is None:
        await send(update, context, _("Send the text of your update, or a photo with a caption."))
        return None
    try:
        cleaned = initiative_updates.clean_text(text, with_photo=photo is not None)
    except InvalidValue as error:
        hint = (_("A photo needs a caption: the text of your update.") if error.code == "empty" and photo
                else _("Please write the text of your update.") if error.code == "empty"
                else steps.invalid(error, len((text or "").strip())))
        await send(update, context, hint)
        return None
    context.conversation.data.update(text=cleaned, photo=photo)
    await ask_confirm(update, context)
    return Step.CONFIRM


async def ask_confirm(update: Update, context: BotContext) -> StepResult:
    """Show the update as recipients will see it, and how many will get it."""
    data = context.conversation.data
    initiative_id, recipients = data.get("id"), data.get("recipients", 0)
    preview = render(context, data.get("title", ""), initiative_id, data.get("text", ""), context.citizen.public_name)
    photo = ("📷 " + _("with your photo") + "\n") if data.get("photo") else ""
    text = ("<b>" + _("Preview") + "</b>\n" + photo + "\n" + preview + "\n\n"
            + ngettext("Send this to {n} person?", "Send this to {n} people?", recipients))
    await show(update, context, text, keyboard(
        [button("📣 " + _("Send"), f"{PREFIX}:{initiative_id}:send")],
        [button("✏️ " + _("Change"), f"{PREFIX}:{initiative_id}:edit"),
         button(_("Cancel"), f"{PREFIX}:{initiative_id}:cancel")]))
    return None


async def confirm_button(update: Update, context: BotContext, initiative_id: int, action: str) -> StepResult:
    """Send, change or cancel the update being written."""
    data = context.conversation.data
    if not context.conversation.in_flow(FLOW) or data.get("id") != initiative_id:
        return await steps.stale(update, context)
    if action == "edit":
        await ask_text(update, context)
        return Step.TEXT
    if action == "send" and context.conversation.at(Step.CONFIRM):
        return await send_update(update, context)
    context.notice = _("Not sent.")
    await show_card(update, context, initiative_id)
    return END


async def send_update(update: Update, context: BotContext) -> StepResult:
    """Store the update and queue it for every member and follower, each in their own language."""
    data = context.conversation.data
    initiative_id, title, author = data["id"], data.get("title", ""), context.citizen.public_name

    def text_in(language: str, update_id: int) -> str:
        with use_locale(language):
            return render(context, title, initiative_id, data["text"], author, update_id)

    try:
        posted = await initiative_updates.post(context.citizen.id, initiative_id, data["text"], data.get("photo"),
                                               _interval(context), text_in)
    except (NotFound, NotAllowed) as error:
        await show(update, context, refusal(context, error),
                   keyboard([button("‹ " + _("Back to the initiative"), f"{CARD}:{initiative_id}")]))
        return END
    except InvalidValue:
        await ask_text(update, context)
        return Step.TEXT
    context.notice = _("Sent!")
    if not posted.recipients:
        note = "📣 " + _("Your update is stored and shown on the website. Nobody has joined or follows the "
                        "initiative yet, so it was not sent to anyone.")
        await show_card(update, context, initiative_id, note=note)
        return END
    note = "📣 " + ngettext("Your update is on its way to {n} person. It is also shown on the website.",
                           "Your update is on its way to {n} people. It is also shown on the website.",
                           posted.recipients)
    await show_card(update, context, initiative_id, note=note)
    return END


async def ask_again(update: Update, context: BotContext) -> StepResult:
    """Ask the current question of the update again (after /cancel → Continue)."""
    if context.conversation.at(Step.CONFIRM):
        return await ask_confirm(update, context)
    return await ask_text(update, context)


async def confirm_typed(update: Update, context: BotContext) -> StepResult:
    """A message at the preview: treat it as a new text for the update."""
    return await text_received(update, context)


def register(router: Router) -> None:
    """Wire posting updates."""
    router.callback(PREFIX, start_update)
    router.step(Step.TEXT, text_received)
    router.step(Step.CONFIRM, confirm_typed)
    router.flow(FLOW, N_("your update"), ask_again)

