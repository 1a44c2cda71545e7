"""Moderation by staff: the queue, Approve / Ask for changes / Reject, hiding reported content.

New initiatives and edits of published ones reach every staff member as a card with the three
decisions; the last two ask for a reason, which the initiator receives in their own language.
Every decision is checked and logged by `bot.services.moderation` (a forged button of a
non-staff user is refused and logged there too).

```mermaid
flowchart LR
    submit[initiator submits / edits] --> card[staff card: Approve / Ask for changes / Reject]
    queue["/queue (oldest first)"] --> card
    queue --> reported[reported content: Hide / Keep visible / Block author]
    card -->|Approve| published[published + initiator told]
    card -->|Ask for changes / Reject| reason[mod.reason: staff types the reason]
    reason --> told[initiator told, in their language]
```
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from babel.dates import format_datetime
from babel.numbers import format_currency
from telegram import InlineKeyboardMarkup, Update

from bot.engine import END, BotContext, Flow, Router, StepResult, begin
from bot.i18n import N_, _, current_locale, ngettext
from bot.replies import button, clip, esc, keyboard, send, show, tell
from bot.services import citizens, moderation
from bot.services.errors import InvalidValue, NotAllowed, NotFound
from bot.services.moderation import Action, Decision, QueueItem, ReportOutcome, Submission, Target
from handlers import steps
from models.initiative import Status

log = logging.getLogger(__name__)

PREFIX = "mod"
BLOCK = "blk"
TARGET_CODES = {Target.INITIATIVE: "i", Target.UPDATE: "u"}
CODE_TARGETS = {code: target for target, code in TARGET_CODES.items()}
HELP_LABELS = {"volunteers": N_("volunteers"), "money": N_("money"), "place": N_("a place"),
               "knowledge": N_("knowledge"), "materials": N_("materials")}
CHANGE_LABELS = {"title": N_("Title"), "description": N_("Description"), "audience": N_("For whom"),
                 "help_needed": N_("Help needed"), "budget_cents": N_("Budget"), "photo_file_id": N_("Photo"),
                 "theme": N_("Theme"), "municipality": N_("Municipality")}
REPORT_REASON_LABELS = {"spam": N_("spam"), "offensive": N_("offensive"), "off_topic": N_("does not belong here")}


class Step(Flow):
    REASON = "mod.reason"


# --- small helpers ---------------------------------------------------------------------------------

def when(moment: datetime | None, locale: str) -> str:
    """A date and time for staff, in UTC."""
    if moment is None:
        return "—"
    return format_datetime(moment, "d MMM y, HH:mm", tzinfo=UTC, locale=locale) + " UTC"


def money(cents: int, locale: str) -> str:
    """An amount of euros in the locale's notation."""
    return format_currency(cents / 100, "EUR", locale="nl_NL" if locale == "nl" else "en_GB")


def not_allowed() -> str:
    """The answer to an action only staff (or the owner) may take."""
    return _("You are not allowed to do that.")




async def tell_staff(context: BotContext, text: Callable[[], str],
                     markup: Callable[[], InlineKeyboardMarkup | None] | None = None) -> int:
    """Send every staff member a message in their language; return how many got it."""
    languages = await moderation.staff_languages(context.settings.staff_ids, context.settings.default_locale)
    return sum([await tell(context, staff_id, language, text, markup) for staff_id, language in languages.items()])


# --- the staff card of an initiative ---------------------------------------------------------------

def submission_text(item: Submission, locale: str) -> str:
    """The card staff decide on: every field, escaped; an edit shows the proposed changes."""
    if item.is_edit:
        head = "✏️ " + _("Changes to published initiative #{id}", id=item.id)
    elif item.status == Status.SUBMITTED:
        head = "🆕 " + _("New initiative #{id}", id=item.id)
    else:
        head = _("Initiative #{id}", id=item.id)
    lines = [f"<b>{head}</b>", "", f"<b>{clip(item.title, 100)}</b>"]
    where = " · ".join(esc(part) for part in (item.theme(locale), item.municipality) if part)
    if where:
        lines.append(where)
    lines += ["", clip(item.description, 1500)]
    if item.audience:
        lines.append(_("For whom: {audience}", audience=clip(item.audience, 300)))
    if item.help_needed:
        lines.append(_("Help needed: {kinds}", kinds=", ".join(_(HELP_LABELS.get(k, k)) for k in item.help_needed)))
    if item.budget_cents is not None:
        lines.append(_("Budget: {amount}", amount=money(item.budget_cents, locale)))
    lines.append(_("By: {name} (citizen #{id})", name=esc(item.initiator_name or "—"), id=item.initiator_id or "—"))
    lines.append(_("Submitted: {when}", when=when(item.submitted_at, locale)))
    if item.changes:
        lines += ["", "<b>" + _("Proposed changes:") + "</b>"]
        lines += [f"• {_(CHANGE_LABELS.get(key, key))}: {change_value(key, value, locale)}"
                  for key, value in item.changes.items()]
    if item.status_reason and item.status != Status.SUBMITTED:
        lines.append(_("Earlier reason: {reason}", reason=clip(item.status_reason, 300)))
    return "\n".join(lines)


def change_value(key: str, value: Any, locale: str) -> str:
    """A proposed value as staff read it (escaped)."""
    if value is None or value == "" or value == []:
        return "—"
    if key == "help_needed":
        return ", ".join(_(HELP_LABELS.get(kind, kind)) for kind in value)
    if key == "budget_cents":
        return money(value, locale)
    if key == "photo_file_id":
        return _("a new photo")
    if key == "theme":
        return esc(value[1] if locale == "en" else value[0])
    return clip(value, 500)


def decision_buttons(initiative_id: int) -> InlineKeyboardMarkup:
    """Approve / Ask for changes / Reject for one initiative."""
    return keyboard([button("✅ " + _("Approve"), f"{PREFIX}:a:{initiative_id}")],
                    [button("✏️ " + _("Ask for changes"), f"{PREFIX}:c:{initiative_id}"),
                     button("⛔ " + _("Reject"), f"{PREFIX}:r:{initiative_id}")])


def awaiting(item: Submission) -> bool:
    """Whether staff still have to decide on this initiative."""
    return item.status == Status.SUBMITTED or item.is_edit


async def notify_staff_of_submission(context: BotContext, initiative_id: int) -> int:
    """Send every staff member the card of a new (or edited) initiative with the three decisions."""
    item = await moderation.submission_for_notice(initiative_id)
    return await tell_staff(context, lambda: submission_text(item, current_locale.get()),
                            lambda: decision_buttons(initiative_id))


# --- /queue ----------------------------------------------------------------------------------------

def queue_line(number: int, item: QueueItem, locale: str) -> str:
    """One line of the queue."""
    title = clip(item.title, 60)
    if item.kind == "new":
        what = "🆕 " + _("new initiative")
    elif item.kind == "edit":
        what = "✏️ " + _("changes to a published initiative")
    else:
        what = "🚩 " + ngettext_reports(item.reports) + (" · " + _("hidden") if item.hidden else "")
    return f"{number}. <b>{title}</b>\n    {what} · {when(item.since, locale)}"


def ngettext_reports(count: int) -> str:
    """'1 report' / '3 reports'."""
    return ngettext("{n} report", "{n} reports", count)


def open_data(item: QueueItem) -> str:
    """The callback_data that opens a queue item."""
    if item.kind == "reported":
        return f"{PREFIX}:s:{TARGET_CODES[item.target]}:{item.target_id}"
    return f"{PREFIX}:o:{item.target_id}"


async def show_queue(update: Update, context: BotContext) -> StepResult:
    """List what waits for staff, oldest first, with a button to open each item."""
    try:
        items = await moderation.queue(context.citizen)
    except NotAllowed:
        return await refused(update, context)
    if not items:
        await show(update, context, _("Nothing is waiting for you. 🎉"))
        return None
    lines = [f"<b>{_('Waiting for you (oldest first):')}</b>", ""]
    lines += [queue_line(n, item, context.locale) for n, item in enumerate(items, 1)]
    buttons = [[button(f"{n}. {item.title[:40] or '—'}", open_data(item))] for n, item in enumerate(items, 1)]
    await show(update, context, "\n".join(lines), keyboard(*buttons))
    return None


async def refused(update: Update, context: BotContext) -> StepResult:
    """Answer an action the citizen may not take (already logged by the domain)."""
    context.notice = not_allowed()
    context.notice_alert = True
    if update.callback_query is None:
        await send(update, context, not_allowed())
    return None


# --- the buttons -----------------------------------------------------------------------------------

async def on_button(update: Update, context: BotContext) -> StepResult:
    """Dispatch a moderation button: open, approve, ask for changes, reject, hide, keep visible, queue."""
    parts = context.callback_data.split(":")
    action = parts[1] if len(parts) > 1 else ""
    handler = BUTTONS.get(action)
    if handler is None:
        return await steps.stale(update, context)
    try:
        return await handler(update, context, parts[2:])
    except NotAllowed:
        return await refused(update, context)
    except NotFound:
        context.notice = _("That no longer exists.")
        return None


def _id(args: list[str], index: int = 0) -> int:
    if len(args) <= index or not args[index].isdigit() or len(args[index]) > 9:
        raise NotFound("id")
    return int(args[index])


def _target(args: list[str]) -> tuple[Target, int]:
    if not args or args[0] not in CODE_TARGETS:
        raise NotFound("target")
    return CODE_TARGETS[args[0]], _id(args, 1)


async def open_submission(update: Update, context: BotContext, args: list[str]) -> StepResult:
    """Show an initiative's staff card with the decisions (or who already decided)."""
    item = await moderation.submission(context.citizen, _id(args))
    markup = decision_buttons(item.id) if awaiting(item) else None
    text = submission_text(item, context.locale)
    if not awaiting(item):
        text += "\n\n" + _("Already decided: {status}.", status=esc(item.status.value))
    await send(update, context, text, markup)
    return None


async def approve(update: Update, context: BotContext, args: list[str]) -> StepResult:
    """Publish the initiative (or its edit), tell the initiator, update the staff card."""
    try:
        decision = await moderation.approve(context.citizen, _id(args))
    except InvalidValue:
        return await already_decided(update, context)
    await tell_initiator(context, decision)
    text = "✅ " + _("Approved and published: {title}", title=clip(decision.title, 100))
    await show(update, context, text, keyboard([button(_("Back to the queue"), f"{PREFIX}:q")]))
    return None


async def already_decided(update: Update, context: BotContext) -> StepResult:
    """Another staff member (or an earlier press) decided already."""
    context.notice = _("Someone already decided on this.")
    await send(update, context, _("Someone already decided on this.") + " " + _("See /queue for what is waiting."))
    return None


async def ask_reason_for(update: Update, context: BotContext, args: list[str], action: str) -> StepResult:
    """Check the initiative still waits, then ask staff to type the reason for the initiator."""
    item = await moderation.submission(context.citizen, _id(args))
    if not awaiting(item):
        return await already_decided(update, context)
    step = begin(context, Step.REASON, {"action": action, "id": item.id, "title": item.title[:100]})
    await ask_reason(update, context)
    return step


async def ask_changes(update: Update, context: BotContext, args: list[str]) -> StepResult:
    """Ask staff what the initiator should change."""
    return await ask_reason_for(update, context, args, Action.REQUEST_CHANGES)


async def ask_reject(update: Update, context: BotContext, args: list[str]) -> StepResult:
    """Ask staff why the initiative is rejected."""
    return await ask_reason_for(update, context, args, Action.REJECT)


async def ask_reason(update: Update, context: BotContext) -> StepResult:
    """Ask for the reason of the decision being made (also when resuming after /cancel)."""
    data = context.conversation.data
    title = clip(data.get("title", ""), 100)
    if data.get("action") == Action.REJECT:
        text = _("Why is “{title}” rejected? The initiator receives your reason as you write it.", title=title)
    elif data.get("action") == Action.BLOCK:
        text = _("Why do you block {name}? The reason goes into the audit log (and into the copy of their data "
                 "the citizen can ask for).",
                 name=title)
    else:
        text = _("What should be changed in “{title}”? The initiator receives this as you write it.", title=title)
    await send(update, context, text + "\n" + _("Type it below, or /cancel."))
    return None


async def reason_given(update: Update, context: BotContext) -> StepResult:
    """Store the decision with the typed reason and tell the citizen concerned; leave the flow."""
    text = steps.text_of(update)
    if text is None:
        await send(update, context, steps.not_text())
        return None
    data = context.conversation.data
    try:
        if data.get("action") == Action.BLOCK:
            return await block_with_reason(update, context, int(data.get("id", 0)), text)
        decide = moderation.reject if data.get("action") == Action.REJECT else moderation.request_changes
        decision = await decide(context.citizen, int(data.get("id", 0)), text)
    except InvalidValue as error:
        if error.code in ("empty", "too_long"):
            await send(update, context, steps.invalid(error, len(text.strip())) + " " + _("Type it below, or /cancel."))
            return None
        await already_decided(update, context)
        return END
    except (NotAllowed, NotFound):
        await refused(update, context)
        return END
    delivered = await tell_initiator(context, decision)
    done = (_("Rejected: {title}.", title=clip(decision.title, 100)) if decision.action == Action.REJECT
            else _("Changes asked for: {title}.", title=clip(decision.title, 100)))
    if not delivered:
        done += " " + _("The initiator could not be reached in Telegram; they see it under My initiatives.")
    await send(update, context, done, keyboard([button(_("Back to the queue"), f"{PREFIX}:q")]))
    return END


# --- telling the initiator -------------------------------------------------------------------------

def decision_text(decision: Decision) -> str:
    """What the initiator reads about a decision (built in their language)."""
    title = clip(decision.title, 100)
    reason = f"\n\n<i>{esc(decision.reason)}</i>" if decision.reason else ""
    if decision.action == Action.APPROVE:
        if decision.was_edit:
            return "✅ " + _("Your changes to “{title}” are approved and published.", title=title)
        return "🎉 " + _("Your initiative “{title}” is approved and published! Others can now find, join "
                         "and follow it.", title=title)
    if decision.action == Action.REJECT:
        if decision.was_edit:
            return _("Your changes to “{title}” were not accepted. The published version stays as it was. "
                     "The reason:", title=title) + reason
        return _("Your initiative “{title}” was not accepted. The reason:", title=title) + reason
    if decision.was_edit:
        return _("Your changes to “{title}” were not published yet: staff ask you to change something. "
                 "The published version stays as it was; you can edit it again under My initiatives.",
                 title=title) + reason
    return _("Staff ask you to change something in your initiative “{title}” before it is published. "
             "You can change it under My initiatives and submit it again.", title=title) + reason


async def tell_initiator(context: BotContext, decision: Decision) -> bool:
    """Tell the initiator about a decision in their language (False: no one to tell, or unreachable)."""
    if decision.initiator_telegram_id is None:
        return False
    return await tell(context, decision.initiator_telegram_id, decision.initiator_language or "nl",
                      lambda: decision_text(decision))


# --- reported content ------------------------------------------------------------------------------

def report_buttons(target: Target, target_id: int, author_id: int | None, hidden: bool) -> InlineKeyboardMarkup:
    """Hide / Keep visible (the reports are then resolved), and Block the author."""
    code = TARGET_CODES[target]
    first = [button("🙈 " + _("Keep hidden") if hidden else "🙈 " + _("Hide"), f"{PREFIX}:h:{code}:{target_id}"),
             button("👁 " + _("Show again") if hidden else "👁 " + _("Keep visible"),
                    f"{PREFIX}:v:{code}:{target_id}")]
    second = [button("🚫 " + _("Block the author"), f"{BLOCK}:{author_id}")] if author_id else []
    return keyboard(first, second)


def target_name(target: Target, target_id: int) -> str:
    """'initiative #42' / 'update #17'."""
    if target == Target.INITIATIVE:
        return _("initiative #{id}", id=target_id)
    return _("update #{id}", id=target_id)


def report_notice_text(outcome: ReportOutcome) -> str:
    """What staff read when someone reports content."""
    lines = ["🚩 " + _("Report on {what}: {reason}", what=target_name(outcome.target, outcome.target_id),
                       reason=_(REPORT_REASON_LABELS[outcome.reason])),
             f"<b>{clip(outcome.title, 100)}</b>"]
    if outcome.note:
        lines.append(_("Note: {note}", note=clip(outcome.note, 500)))
    lines.append(ngettext_reports(outcome.reports))
    if outcome.hidden_now:
        lines.append("🙈 " + _("It is now hidden until a staff member decides."))
    elif outcome.hidden:
        lines.append(_("It is hidden until a staff member decides."))
    return "\n".join(lines)


async def notify_staff_of_report(context: BotContext, outcome: ReportOutcome) -> int:
    """Tell every staff member about a report, with Hide / Keep visible / Block the author."""
    return await tell_staff(context, lambda: report_notice_text(outcome),
                            lambda: report_buttons(outcome.target, outcome.target_id, outcome.author_id,
                                                   outcome.hidden))


async def open_reported(update: Update, context: BotContext, args: list[str]) -> StepResult:
    """Show reported content with its reports and the decisions."""
    target, target_id = _target(args)
    reports = await moderation.reports_on(context.citizen, target, target_id)
    title, author_id, hidden = await moderation.content_of(context.citizen, target, target_id)
    lines = [f"<b>{target_name(target, target_id)}</b>", clip(title, 1500), ""]
    lines += [f"🚩 {_(REPORT_REASON_LABELS.get(reason, reason))}" + (f": {clip(note, 300)}" if note else "")
              for reason, note in reports]
    if hidden:
        lines.append(_("It is hidden until a staff member decides."))
    await send(update, context, "\n".join(lines), report_buttons(target, target_id, author_id, hidden))
    return None


async def hide(update: Update, context: BotContext, args: list[str]) -> StepResult:
    """Hide reported content (its reports are resolved)."""
    target, target_id = _target(args)
    title = await moderation.set_hidden(context.citizen, target, target_id, True, _("after reports"))
    await show(update, context, "🙈 " + _("Hidden: {title}", title=clip(title, 100)),
               keyboard([button(_("Back to the queue"), f"{PREFIX}:q")]))
    return None


async def keep_visible(update: Update, context: BotContext, args: list[str]) -> StepResult:
    """Show reported content again (its reports are resolved)."""
    target, target_id = _target(args)
    title = await moderation.set_hidden(context.citizen, target, target_id, False, _("after reports"))
    await show(update, context, "👁 " + _("Visible: {title}", title=clip(title, 100)),
               keyboard([button(_("Back to the queue"), f"{PREFIX}:q")]))
    return None


async def back_to_queue(update: Update, context: BotContext, args: list[str]) -> StepResult:
    """Show the queue again."""
    return await show_queue(update, context)


BUTTONS = {"o": open_submission, "a": approve, "c": ask_changes, "r": ask_reject, "s": open_reported,
           "h": hide, "v": keep_visible, "q": back_to_queue}


# --- blocking ----------------------------------------------------------------------------------------

async def ask_block(update: Update, context: BotContext, citizen_id: int) -> StepResult:
    """Ask staff why they block a citizen (the reason is required)."""
    who = await moderation.citizen_summary(context.citizen, citizen_id)
    step = begin(context, Step.REASON, {"action": Action.BLOCK, "id": who.id,
                                        "title": f"{who.name[:60]} (#{who.id})"})
    await ask_reason(update, context)
    return step


async def on_block_button(update: Update, context: BotContext) -> StepResult:
    """'Block the author' under a report: ask for the reason."""
    tail = context.callback_data.partition(":")[2]
    try:
        if not tail.isdigit() or len(tail) > 9:
            raise NotFound("citizen")
        return await ask_block(update, context, int(tail))
    except NotAllowed:
        return await refused(update, context)
    except NotFound:
        context.notice = _("That no longer exists.")
        return None


async def block_with_reason(update: Update, context: BotContext, citizen_id: int, reason: str) -> StepResult:
    """Block the citizen with the typed reason; staff cannot be blocked."""
    try:
        outcome = await moderation.set_blocked(context.citizen, citizen_id, True, context.settings.staff_ids, reason)
    except InvalidValue as error:
        if error.code == "staff":
            await send(update, context, _("Staff members cannot be blocked."))
            return END
        raise
    await send(update, context, "🚫 " + _("Blocked: {name} (citizen #{id}). /unblock {id} lifts it.",
                                         name=esc(outcome.name), id=outcome.citizen_id))
    return END


# --- blocked citizens ------------------------------------------------------------------------------

async def blocked_guard(update: Update, context: BotContext) -> bool:
    """A citizen blocked by staff: one polite notice (a toast on every button), and nothing runs."""
    citizen = context.citizen
    if not citizen.blocked or citizen.is_staff:
        return False
    text = _("Your access to this bot has been paused by the moderators, so I cannot help you further. "
             "If you think this is a mistake, please contact the organisers.")
    if update.callback_query is not None:
        context.notice, context.notice_alert = text, True
    elif await citizens.claim_block_notice(citizen.id):
        await send(update, context, text)
    return True


def register(router: Router) -> None:
    """Wire /queue, the moderation buttons, the reason step and the blocked-citizen guard."""
    router.guard(blocked_guard)
    router.command("queue", show_queue, N_("What waits for moderation, oldest first"), staff_only=True)
    router.callback(PREFIX, on_button)
    router.callback(BLOCK, on_block_button)
    router.step(Step.REASON, reason_given)
    router.flow("mod", N_("your moderation decision"), ask_reason)
