"""/mine: the citizen's own initiatives — status and support, open one, edit it, withdraw it.

```mermaid
flowchart LR
    mine["/mine or 📋 menu button"] --> list["list: status, 👥 members, ⭐ followers (paged)"]
    list -->|open| card[the initiative with its buttons]
    card -->|draft| wizard["idea wizard: continue the draft"]
    card -->|✏️ Edit| field["title / description / help needed / budget"]
    field --> value[type it / toggle help + Done] -->|saved, or awaiting moderation| card
    card -->|📨 Submit again| card
    card -->|↩️ Withdraw| reason[type a reason] --> confirm["withdraw? yes / keep it"] -->|yes| card
    field & value & reason & confirm -->|‹ Back| card
```
"""

from __future__ import annotations

from telegram import Update

from bot.engine import END, BotContext, Flow, Router, StepResult, begin
from bot.i18n import N_, _
from bot.replies import button, clip, esc, keyboard, link_button, send, show
from bot.services import initiatives, moderation
from bot.services.errors import InvalidValue, LimitReached, NotFound
from bot.services.initiatives import InitiativeInfo
from handlers import steps
from handlers.limits import limit_text
from handlers.menu import MENU
from handlers.moderation import notify_staff_of_submission
from handlers.subsidy import find_funding_button
from models.initiative import Status

FLOW = "mine"
PREFIX = "mine"
PAGE_SIZE = 8
STATUS_LABELS = {
    Status.DRAFT: N_("📝 draft, not submitted yet"),
    Status.SUBMITTED: N_("⏳ submitted, awaiting moderation"),
    Status.CHANGES_REQUESTED: N_("✏️ changes requested"),
    Status.PUBLISHED: N_("✅ published"),
    Status.REJECTED: N_("❌ not approved"),
    Status.WITHDRAWN: N_("↩️ withdrawn"),
    Status.HIDDEN: N_("🙈 hidden by the moderators"),
}


class Step(Flow):
    TITLE = "mine.title"
    DESCRIPTION = "mine.description"
    HELP = "mine.help"
    BUDGET = "mine.budget"
    REASON = "mine.reason"
    CONFIRM = "mine.confirm"


def status_text(item: InitiativeInfo) -> str:
    """The status for people (hidden published initiatives say so)."""
    if item.hidden and item.status == Status.PUBLISHED:
        return _(STATUS_LABELS[Status.HIDDEN])
    return _(STATUS_LABELS[item.status])


async def show_list(update: Update, context: BotContext) -> StepResult:
    """List the citizen's initiatives (a page of them) with status and support; a button opens each."""
    items = await initiatives.list_mine(context.citizen.id)
    if context.conversation.flow == FLOW:
        context.conversation.after(END)
    if not items:
        await show(update, context, _("You have no initiatives yet. Have an idea for your community?"),
                   keyboard([button(_("💡 New idea"), "idea:new")], [button(_("Main menu"), MENU)]))
        return None
    pages = (len(items) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(steps.page_of(context.callback_data) if ":p:" in context.callback_data else 0, pages - 1)
    shown = items[page * PAGE_SIZE: (page + 1) * PAGE_SIZE]
    lines = ["<b>" + _("Your initiatives") + "</b>"]
    for number, item in enumerate(shown, page * PAGE_SIZE + 1):
        lines.append(f"\n{number}. <b>{clip(item.title or '…', 80)}</b>\n{status_text(item)} · "
                     + _("👥 {members} joined · ⭐ {followers} following", members=item.members_count,
                         followers=item.followers_count))
    buttons = [[button(f"{number}. {item.title[:40] or '…'}", f"{PREFIX}:o:{item.id}")]
               for number, item in enumerate(shown, page * PAGE_SIZE + 1)]
    paging = ([button("‹ " + _("previous"), f"{PREFIX}:p:{page - 1}")] if page > 0 else []) + \
             ([button(_("more") + " ›", f"{PREFIX}:p:{page + 1}")] if page < pages - 1 else [])
    await show(update, context, "\n".join(lines), keyboard(*buttons, paging, [button(_("Main menu"), MENU)]))
    return None


def card_text(item: InitiativeInfo, locale: str) -> str:
    """One initiative in full, for its initiator."""
    lines = [f"<b>{esc(item.title)}</b>", _("Status: {status}", status=status_text(item))]
    if item.status_reason and item.status in (Status.CHANGES_REQUESTED, Status.REJECTED, Status.WITHDRAWN):
        lines.append(_("Reason: {reason}", reason=clip(item.status_reason, 500)))
    if item.pending_changes:
        lines.append("⏳ " + _("Your latest changes are shown after moderation."))
    lines.append(_("👥 {members} joined · ⭐ {followers} following", members=item.members_count,
                   followers=item.followers_count))
    where = " · ".join(part for part in (esc(item.theme.name(locale)) if item.theme else "",
                                         esc(item.municipality or "")) if part)
    if where:
        lines.append(where)
    lines += ["", clip(item.description, 1500)]
    if item.help_needed:
        lines.append("\n🤝 " + _("Help needed: {value}", value=esc(steps.help_names(item.help_needed))))
    if item.budget_cents is not None:
        lines.append("💶 " + _("Budget: {value}", value=initiatives.format_budget(item.budget_cents, locale)))
    return "\n".join(lines)


async def open_item(update: Update, context: BotContext, initiative_id: int | None = None) -> StepResult:
    """Show one initiative with the buttons its status allows ('mine:o:ID')."""
    initiative_id = initiative_id or steps.id_of(context.callback_data)
    try:
        item = await initiatives.get(context.citizen.id, initiative_id or 0)
    except NotFound:
        return await not_found(update, context)
    rows = []
    if item.status == Status.DRAFT:
        rows.append([button(_("▶️ Continue this draft"), "idea:cont")])
    if item.status in (Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.PUBLISHED):
        rows.append([button(_("✏️ Edit"), f"{PREFIX}:e:{item.id}"), button(_("↩️ Withdraw"), f"{PREFIX}:w:{item.id}")])
    if item.status == Status.CHANGES_REQUESTED:
        rows.append([button(_("📨 Submit again"), f"{PREFIX}:r:{item.id}")])
    if item.status == Status.PUBLISHED and not item.hidden:
        rows.append([link_button(_("🌐 View on the website"),
                                 f"{context.settings.public_url}/initiatieven/{item.id}")])
    if item.status not in (Status.WITHDRAWN, Status.REJECTED):
        rows.append(find_funding_button(item.id))
    rows.append([button("‹ " + _("My initiatives"), PREFIX)])
    await show(update, context, card_text(item, context.locale), keyboard(*rows))
    return END if context.conversation.flow == FLOW else None


async def not_found(update: Update, context: BotContext) -> StepResult:
    """Another citizen's id, or a deleted initiative: say so and list the citizen's own."""
    context.notice = _("This initiative was not found.")
    await send(update, context, _("This initiative was not found."))
    context.callback_data = PREFIX
    return await show_list(update, context)


# --- editing ---------------------------------------------------------------------------------------------

async def choose_field(update: Update, context: BotContext) -> StepResult:
    """Ask which field to change ('mine:e:ID')."""
    initiative_id = steps.id_of(context.callback_data) or 0
    try:
        item = await initiatives.get(context.citizen.id, initiative_id)
    except NotFound:
        return await not_found(update, context)
    note = "\n\n" + _("Changes to a published initiative are shown after moderation.") \
        if item.status == Status.PUBLISHED and not context.settings.publish_immediately else ""
    await show(update, context, _("What do you want to change in “{title}”?", title=clip(item.title, 100)) + note,
               keyboard([button(_("✏️ Title"), f"{PREFIX}:f:{item.id}:t"),
                         button(_("✏️ Description"), f"{PREFIX}:f:{item.id}:d")],
                        [button(_("✏️ Help needed"), f"{PREFIX}:f:{item.id}:h"),
                         button(_("✏️ Budget"), f"{PREFIX}:f:{item.id}:b")],
                        [button(_("‹ Back"), f"{PREFIX}:o:{item.id}")]))
    return None


async def edit_field(update: Update, context: BotContext) -> StepResult:
    """Start changing one field ('mine:f:ID:FIELD'): ask for the new value."""
    parts = context.callback_data.split(":")
    step = {"t": Step.TITLE, "d": Step.DESCRIPTION, "h": Step.HELP, "b": Step.BUDGET}.get(parts[-1])
    initiative_id = steps.id_of(":".join(parts[:-1]))
    try:
        item = await initiatives.get(context.citizen.id, initiative_id or 0)
    except NotFound:
        return await not_found(update, context)
    if step is None or item.status not in (Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.PUBLISHED):
        return await steps.stale(update, context)
    begin(context, step, {"id": item.id, "help": list(item.help_needed)})
    await ask_again(update, context)
    return step


async def ask_again(update: Update, context: BotContext) -> StepResult:
    """Ask the question of the current step again."""
    step = context.conversation.step
    back = [button(_("‹ Back"), f"{PREFIX}:back")]
    if step == Step.TITLE:
        text = steps.question(_("What is the new title?"), _("{low} to {high} characters.",
                                                              low=initiatives.TITLE_MIN, high=initiatives.TITLE_MAX))
    elif step == Step.DESCRIPTION:
        text = steps.question(_("What is the new description?"), _("{low} to {high} characters.",
                                                                    low=initiatives.DESCRIPTION_MIN,
                                                                    high=initiatives.DESCRIPTION_MAX))
    elif step == Step.HELP:
        await show(update, context, steps.question(_("What help do you need?"),
                                                   _("Choose one or more, then tap Done.")),
                   keyboard(*steps.help_rows(PREFIX, context.conversation.data.get("help", [])), back))
        return None
    elif step == Step.BUDGET:
        text = steps.question(_("Roughly how much money does it take? (optional)"),
                              _("An estimate in euros is fine, like “2500” or “€ 2.500”."))
        back.append(button(_("No budget"), f"{PREFIX}:nob"))
    elif step == Step.REASON:
        text = steps.question(_("Why do you withdraw it?"),
                              _("A short reason helps the people who joined, like “We found another place "
                                "that already does this.”"))
    else:
        return await confirm_withdraw(update, context)
    await show(update, context, text, keyboard(back))
    return None


async def _save(update: Update, context: BotContext, **fields: object) -> StepResult:
    """Save changed fields; confirm (awaiting moderation, for a published initiative) and show it."""
    initiative_id = context.conversation.data.get("id", 0)
    try:
        waiting = await moderation.has_pending_edit(initiative_id)
        applied = await initiatives.edit_initiative(context.citizen.id, initiative_id,
                                                    context.settings.publish_immediately, **fields)
    except InvalidValue as error:
        if error.code == "status":
            return await open_item(update, context, initiative_id)
        text = steps.text_of(update)
        await send(update, context, steps.invalid(error, len(text.strip()) if text else None))
        return None
    except NotFound:
        return await not_found(update, context)
    context.conversation.after(END)
    if not applied and not waiting:
        await notify_staff_of_submission(context, initiative_id)  # the edit goes through moderation
    saved = _("Saved.") if applied else _("Saved. Your changes are shown after moderation.")
    context.notice = saved
    await send(update, context, "✅ " + saved)
    context.callback_data = ""
    return await open_item(update, context, initiative_id) or END


async def got_text(update: Update, context: BotContext) -> StepResult:
    """Store a new title, description or budget; show the initiative."""
    text = steps.text_of(update)
    if text is None:
        await send(update, context, steps.not_text())
        return None
    step = context.conversation.step
    if step == Step.TITLE:
        return await _save(update, context, title=text)
    if step == Step.DESCRIPTION:
        return await _save(update, context, description=text)
    try:
        return await _save(update, context, budget_cents=initiatives.parse_budget(text))
    except InvalidValue as error:
        await send(update, context, steps.invalid(error))
        return None


async def got_reason(update: Update, context: BotContext) -> StepResult:
    """Store the reason for withdrawing; ask to confirm."""
    text = steps.text_of(update)
    if text is None:
        await send(update, context, steps.not_text())
        return None
    try:
        context.conversation.data["reason"] = initiatives.clean_reason(text)
    except InvalidValue as error:
        await send(update, context, steps.invalid(error, len(text.strip())))
        return None
    await confirm_withdraw(update, context)
    return Step.CONFIRM


async def confirm_withdraw(update: Update, context: BotContext) -> StepResult:
    """Ask to confirm the withdrawal (it cannot be undone)."""
    item = await initiatives.get(context.citizen.id, context.conversation.data.get("id", 0))
    await show(update, context, _("Withdraw “{title}”? It is taken offline and cannot be submitted again. "
                                  "Reason: {reason}", title=esc(item.title),
                                  reason=esc(context.conversation.data.get("reason", ""))),
               keyboard([button(_("↩️ Yes, withdraw it"), f"{PREFIX}:wy")],
                        [button(_("No, keep it"), f"{PREFIX}:back")]))
    return None


async def start_withdraw(update: Update, context: BotContext) -> StepResult:
    """Ask for the reason for withdrawing ('mine:w:ID')."""
    try:
        item = await initiatives.get(context.citizen.id, steps.id_of(context.callback_data) or 0)
    except NotFound:
        return await not_found(update, context)
    if item.status not in initiatives.WITHDRAWABLE:
        return await steps.stale(update, context)
    begin(context, Step.REASON, {"id": item.id})
    await ask_again(update, context)
    return Step.REASON


async def withdraw(update: Update, context: BotContext) -> StepResult:
    """Withdraw the initiative with the reason given; show it."""
    initiative_id = context.conversation.data.get("id", 0)
    try:
        await initiatives.withdraw(context.citizen.id, initiative_id, context.conversation.data.get("reason", ""))
    except (InvalidValue, NotFound):
        return await steps.stale(update, context)
    context.conversation.after(END)
    context.notice = _("Withdrawn.")
    return await open_item(update, context, initiative_id) or END


async def resubmit(update: Update, context: BotContext) -> StepResult:
    """Submit an initiative again after the requested changes ('mine:r:ID')."""
    initiative_id = steps.id_of(context.callback_data) or 0
    try:
        status = await initiatives.submit_initiative(context.citizen.id, initiative_id,
                                                     context.settings.publish_immediately,
                                                     context.settings.max_initiatives_per_day)
    except NotFound:
        return await not_found(update, context)
    except LimitReached as error:
        await send(update, context, limit_text(error, context.settings.max_initiatives_per_day))
        return None
    except InvalidValue:
        return await steps.stale(update, context)
    if status == Status.SUBMITTED:
        await notify_staff_of_submission(context, initiative_id)
    context.notice = _("Submitted again. Thank you!")
    return await open_item(update, context, initiative_id)


async def help_toggled(update: Update, context: BotContext) -> StepResult:
    """Add or remove a kind of help; show the buttons again."""
    selection = steps.toggled(context.conversation.data.get("help", []), context.callback_data)
    if selection is None:
        return await steps.stale(update, context)
    context.conversation.data["help"] = selection
    return await ask_again(update, context)


async def help_done(update: Update, context: BotContext) -> StepResult:
    """Save the kinds of help (at least one)."""
    selection = context.conversation.data.get("help", [])
    if not selection:
        context.notice = _("Choose at least one kind of help.")
        return None
    return await _save(update, context, help_needed=selection)


async def no_budget(update: Update, context: BotContext) -> StepResult:
    """Remove the budget estimate."""
    return await _save(update, context, budget_cents=None)


async def back(update: Update, context: BotContext) -> StepResult:
    """Stop editing or withdrawing; show the initiative as it is."""
    initiative_id = context.conversation.data.get("id", 0)
    context.conversation.after(END)
    return await open_item(update, context, initiative_id) or END


async def use_buttons(update: Update, context: BotContext) -> StepResult:
    """Text where a button is expected: point at the buttons and ask again."""
    await send(update, context, _("Please choose one of the buttons."))
    return await ask_again(update, context)


async def on_button(update: Update, context: BotContext) -> StepResult:
    """Dispatch a 'mine...' button; a button of another step than the current one is stale."""
    action = [*context.callback_data.split(":"), ""][1]
    if action in ("", "p"):
        return await show_list(update, context)
    if action in ANYTIME:
        return await ANYTIME[action](update, context)
    handler, valid_at = BUTTONS.get(action, (None, ()))
    if handler is None or context.conversation.step not in valid_at:
        return await steps.stale(update, context)
    return await handler(update, context)


ANYTIME = {"o": open_item, "e": choose_field, "f": edit_field, "w": start_withdraw, "r": resubmit}
BUTTONS = {
    "h": (help_toggled, (Step.HELP,)),
    "done": (help_done, (Step.HELP,)),
    "nob": (no_budget, (Step.BUDGET,)),
    "wy": (withdraw, (Step.CONFIRM,)),
    "back": (back, tuple(Step)),
}


def register(router: Router) -> None:
    """Wire /mine, its menu entry, and the edit and withdraw questions."""
    router.command("mine", show_list, N_("Your initiatives: status, edit, withdraw"))
    router.menu_entry(50, N_("📋 My initiatives"), PREFIX)
    router.flow(FLOW, N_("changing your initiative"), ask_again)
    router.callback(PREFIX, on_button)
    for step in (Step.TITLE, Step.DESCRIPTION, Step.BUDGET):
        router.step(step, got_text)
    router.step(Step.HELP, use_buttons)
    router.step(Step.REASON, got_reason)
    router.step(Step.CONFIRM, use_buttons)
