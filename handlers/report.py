"""Reporting an initiative or an update: spam, offensive, or does not belong here, with an optional note.

Anyone can report (a button under an initiative card or an update, or the deep link
`/start report-i-42` / `report-u-17` from the website). After reports of three different people the
content is hidden until staff decide; staff are told about every report.

```mermaid
flowchart LR
    button["🚩 Report (rep:i:42)"] --> reason[spam / offensive / does not belong]
    reason --> note["rep.note: optional note (Skip)"]
    note --> stored[thanks; staff told; hidden at 3 reports]
```
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update

from bot.engine import END, BotContext, Flow, Router, StepResult, begin
from bot.i18n import N_, _
from bot.replies import button, clip, keyboard, send, show
from bot.services import moderation
from bot.services.errors import InvalidValue, NotFound
from bot.services.moderation import NOTE_LIMIT, REPORT_REASONS, Target
from handlers import steps
from handlers.menu import main_menu
from handlers.moderation import CODE_TARGETS, REPORT_REASON_LABELS, TARGET_CODES, notify_staff_of_report

PREFIX = "rep"
DEEP_LINK = "report"


class Step(Flow):
    NOTE = "rep.note"


def report_button(target: Target, target_id: int) -> InlineKeyboardButton:
    """The '🚩 Report' button other features put under an initiative card or an update."""
    return button("🚩 " + _("Report"), f"{PREFIX}:{TARGET_CODES[target]}:{target_id}")


def _parse(code: str, number: str) -> tuple[Target, int] | None:
    if code not in CODE_TARGETS or not number.isdigit() or len(number) > 9:
        return None
    return CODE_TARGETS[code], int(number)


async def on_button(update: Update, context: BotContext) -> StepResult:
    """rep:i:42 asks for the reason; rep:x:i:42:spam asks for a note; rep:skip stores without one."""
    parts = context.callback_data.split(":")
    if len(parts) == 3 and (target := _parse(parts[1], parts[2])):
        return await ask_reason(update, context, *target)
    if len(parts) == 5 and parts[1] == "x" and (target := _parse(parts[2], parts[3])) \
            and parts[4] in REPORT_REASONS:
        return await ask_note(update, context, target[0], target[1], parts[4])
    if parts[1:] == ["skip"] and context.conversation.at(Step.NOTE):
        return await store(update, context, None)
    if parts[1:] == ["no"]:
        await show(update, context, _("Nothing was reported.") + " " + _("What would you like to do?"),
                   main_menu(context))
        return END if context.conversation.flow == "rep" else None
    return await steps.stale(update, context)


async def ask_reason(update: Update, context: BotContext, target: Target, target_id: int) -> StepResult:
    """Check the citizen may report this, then ask what is wrong with it (one button per reason)."""
    try:
        await moderation.reportable(context.citizen, target, target_id)
    except (InvalidValue, NotFound) as error:
        await refuse(update, context, error)
        return None
    code = TARGET_CODES[target]
    what = _("this initiative") if target == Target.INITIATIVE else _("this update")
    rows = [[button(_(REPORT_REASON_LABELS[reason]).capitalize(), f"{PREFIX}:x:{code}:{target_id}:{reason}")]
            for reason in REPORT_REASONS]
    await send(update, context, _("What is wrong with {what}?", what=what),
               keyboard(*rows, [button(_("Never mind"), f"{PREFIX}:no")]))
    return None


async def ask_note(update: Update, context: BotContext, target: Target, target_id: int, reason: str) -> StepResult:
    """Store the chosen reason in the flow and ask for an optional note."""
    step = begin(context, Step.NOTE, {"target": target.value, "id": target_id, "reason": reason})
    await ask_note_again(update, context)
    return step


async def ask_note_again(update: Update, context: BotContext) -> StepResult:
    """Ask for the optional note (also when resuming after /cancel)."""
    await send(update, context, _("Would you like to add a note for the moderators? Type it (at most {limit} "
                                  "characters), or skip.", limit=NOTE_LIMIT),
               keyboard([button(_("Skip ›"), f"{PREFIX}:skip")]))
    return None


async def note_given(update: Update, context: BotContext) -> StepResult:
    """Store the report with the typed note."""
    text = steps.text_of(update)
    if text is None:
        await send(update, context, steps.not_text(), keyboard([button(_("Skip ›"), f"{PREFIX}:skip")]))
        return None
    return await store(update, context, text)


async def store(update: Update, context: BotContext, note: str | None) -> StepResult:
    """Store the report, thank the citizen, tell staff; leave the flow."""
    data = context.conversation.data
    try:
        outcome = await moderation.report(context.citizen, Target(data["target"]), int(data["id"]),
                                          data["reason"], note)
    except InvalidValue as error:
        if error.code == "too_long":
            await send(update, context, steps.invalid(error, len((note or "").strip())),
                       keyboard([button(_("Skip ›"), f"{PREFIX}:skip")]))
            return None
        await refuse(update, context, error)
        return END
    except NotFound as error:
        await refuse(update, context, error)
        return END
    await notify_staff_of_report(context, outcome)
    await show(update, context, "🙏 " + _("Thank you. The moderators will look at “{title}”.",
                                        title=clip(outcome.title, 80)), main_menu(context))
    return END


async def refuse(update: Update, context: BotContext, error: InvalidValue | NotFound) -> None:
    """Say why this cannot be reported (not published, their own, reported already)."""
    if isinstance(error, NotFound):
        text = _("This can no longer be reported: it is not published (any more).")
    elif error.code == "own_content":
        text = _("You cannot report your own initiative or update.")
    elif error.code == "already_reported":
        text = _("You already reported this. Thank you: the moderators will look at it.")
    else:
        text = steps.invalid(error)
    await show(update, context, text + " " + _("What would you like to do?"), main_menu(context))


async def from_deep_link(update: Update, context: BotContext) -> StepResult:
    """/start report-i-42 (a link on the website): ask why the content is reported."""
    parts = context.command_args.split("-")
    target = _parse(parts[1], parts[2]) if len(parts) == 3 else None
    if target is None:
        await send(update, context, _("This link is not valid (any more).") + " " + _("What would you like to do?"),
                   main_menu(context))
        return None
    return await ask_reason(update, context, *target)


def register(router: Router) -> None:
    """Wire the report buttons, the note step and the deep link."""
    router.callback(PREFIX, on_button)
    router.step(Step.NOTE, note_given)
    router.flow("rep", N_("your report"), ask_note_again)
    router.deep_link(DEEP_LINK, from_deep_link)
