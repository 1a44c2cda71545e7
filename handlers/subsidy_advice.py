"""Advice from the province's staff for a citizen of the subsidy desk: the question, and the reply.

```mermaid
sequenceDiagram
    citizen->>bot: 🙋 Ask the province (with an optional note)
    bot->>staff: question #ID with the citizen's answers + ✍️ Reply (every STAFF_IDS chat, in its language)
    staff->>bot: ✍️ Reply, then the answer as a message (the first answer counts)
    bot->>citizen: the answer, in the citizen's language
    bot->>staff: delivered (or: saved but not deliverable)
```
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update

from bot.engine import END, BotContext, Flow, Router, StepResult, begin
from bot.i18n import N_, _, ngettext, use_locale
from bot.replies import button, clip, esc, keyboard, send, show, tell
from bot.services import citizens, places, subsidies
from bot.services.errors import InvalidValue, NotAllowed, NotFound
from bot.services.subsidies import Advice
from handlers import steps
from handlers.menu import main_menu
from handlers.subsidy_text import START, answers_text

log = logging.getLogger(__name__)

FLOW = "adv"
PREFIX = "adv"


class Step(Flow):
    REPLY = "adv.reply"




async def request_text(advice: Advice, locale: str) -> str:
    """The question as staff see it: who, their answers, what the desk found, their note."""
    municipality = None
    if advice.answers.get("municipality_id"):
        try:
            municipality = (await places.get_municipality(advice.answers["municipality_id"])).name
        except NotFound:
            municipality = None
    with use_locale(locale):
        lines = ["💬 <b>" + _("Funding question #{id}", id=advice.id) + "</b>",
                 _("From {name}", name=esc(advice.citizen_name)),
                 "", answers_text(advice.answers, await subsidies.names(), municipality, locale)]
        found = advice.answers.get("found")
        if found == 0:
            lines.append(_("No subsidy route fits these answers."))
        elif found is not None:
            lines.append(ngettext("The desk found {n} route that fits.", "The desk found {n} routes that fit.",
                                  found))
        if advice.answers.get("note"):
            lines += ["", _("Their note: {note}", note=clip(advice.answers["note"], subsidies.MAX_NOTE))]
        return "\n".join(lines)


async def send_request(update: Update, context: BotContext, answers: dict[str, Any], note: str | None) -> StepResult:
    """Store the citizen's question, send it to every staff chat, and confirm; leave the desk."""
    try:
        advice = await subsidies.request_advice(context.citizen, answers, note)
    except InvalidValue as error:
        await show(update, context, _("You already have {limit} questions waiting for an answer from the province. "
                                      "Please wait for their reply first.", limit=error.limit), main_menu(context))
        return END
    except NotAllowed:
        await show(update, context, _("You are not allowed to do that."), main_menu(context))
        return END
    reached = 0
    for staff_id in sorted(context.settings.staff_ids):
        language = await citizens.language_of(staff_id) or context.settings.default_locale
        text = await request_text(advice, language)
        reached += await tell(context, staff_id, language, lambda text=text: text,
                              lambda: keyboard([button(_("✍️ Reply"), f"{PREFIX}:r:{advice.id}")]))
    if not reached:
        log.warning("advice request %s reached no staff chat", advice.id)
    await show(update, context, "✅ " + _("Your question is with the province's staff. Their answer will come "
                                          "here, in this chat.") + "\n\n" + _("What would you like to do?"),
               main_menu(context))
    return END


async def start_reply(update: Update, context: BotContext) -> StepResult:
    """Staff: ask for the answer to the question in the button."""
    try:
        advice = await subsidies.get_advice(context.citizen, steps.id_of(context.callback_data) or 0)
    except NotAllowed:
        context.notice = _("You are not allowed to do that.")
        return None
    except NotFound:
        return await steps.stale(update, context)
    if advice.reply is not None:
        context.notice = _("This question was already answered.")
        await send(update, context, _("Question #{id} was already answered:", id=advice.id) + "\n\n"
                   + clip(advice.reply, subsidies.MAX_REPLY))
        return None
    step = begin(context, Step.REPLY, {"request_id": advice.id, "name": advice.citizen_name})
    await ask_reply(update, context)
    return step


async def ask_reply(update: Update, context: BotContext) -> StepResult:
    """Ask staff to type the answer (again)."""
    data = context.conversation.data
    await send(update, context, "<b>" + _("Type your answer to {name} (question #{id}).", name=esc(data.get("name")),
                                          id=data.get("request_id")) + "</b>\n" + _(
        "The bot passes it on to them as one message of at most {limit} characters. "
        "/cancel stops without sending.", limit=subsidies.MAX_REPLY))
    return None


def answer_text(advice: Advice) -> str:
    """The answer as the citizen receives it (built in their language)."""
    return ("💬 <b>" + _("The province's staff answered your funding question:") + "</b>\n\n"
            + clip(advice.reply or "", subsidies.MAX_REPLY))


async def got_reply(update: Update, context: BotContext) -> StepResult:
    """Staff: store the answer, deliver it to the citizen, and confirm; leave the flow."""
    typed = steps.text_of(update)
    if typed is None:
        await send(update, context, steps.not_text())
        return None
    try:
        advice = await subsidies.reply_to_advice(context.citizen, context.conversation.data.get("request_id") or 0,
                                                 typed)
    except InvalidValue as error:
        if error.code != "already_answered":
            await send(update, context, steps.invalid(InvalidValue("too_long", error.limit), len(typed.strip()))
                       if error.code == "reply_too_long" else _("Please type your answer."))
            return None
        await send(update, context, _("This question was already answered."))
        return END
    except (NotAllowed, NotFound):
        await send(update, context, _("You are not allowed to do that."))
        return END
    delivered = await tell(context, advice.citizen_telegram_id, advice.citizen_language,
                           lambda: answer_text(advice), lambda: keyboard([button(_("🔄 New search"), START)]))
    if delivered:
        await send(update, context, "✅ " + _("Your answer was sent to {name}.", name=esc(advice.citizen_name)))
    else:
        await send(update, context, _("Your answer is saved, but {name} could not be reached: they may have "
                                      "blocked the bot.", name=esc(advice.citizen_name)))
    return END


async def on_button(update: Update, context: BotContext) -> StepResult:
    """Dispatch an 'adv:...' button (staff's ✍️ Reply)."""
    if context.callback_data.startswith(f"{PREFIX}:r:"):
        return await start_reply(update, context)
    return await steps.stale(update, context)


def register(router: Router) -> None:
    """Wire staff's replies to funding questions."""
    router.callback(PREFIX, on_button)
    router.flow(FLOW, N_("your answer to a funding question"), ask_reply)
    router.step(Step.REPLY, got_reply)
