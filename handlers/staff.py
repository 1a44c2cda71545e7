"""Staff commands: hide and show content, block and unblock citizens, verify professionals, the audit log.

Only staff (the ids in STAFF_IDS) can run these: the router resolves staff-only commands for
staff alone (anyone else gets "I don't know that command"), and every domain function checks
again and logs a refused attempt.

    /hide 42 [reason]      hide initiative 42      /hide u17 [reason]   hide update 17
    /unhide 42             show it again           /unhide u17
    /block 12 [reason]     block citizen 12 (asks the reason when missing)
    /unblock 12            lift the block
    /verify 12 Organisation name    mark citizen 12 a verified professional of an organisation
    /unverify 12           take the verification back
    /audit [page]          the audit log, newest first
"""

from __future__ import annotations

import re

from telegram import Update

from bot.engine import BotContext, Router, StepResult
from bot.i18n import N_, _
from bot.replies import clip, esc, send, tell
from bot.services import audit, moderation
from bot.services.errors import InvalidValue, NotAllowed, NotFound
from bot.services.moderation import Action, Target
from handlers import steps
from handlers.moderation import ask_block, block_with_reason, refused, when

AUDIT_PAGE = 20
TARGET_RE = re.compile(r"^#?(u?)(\d{1,9})$", re.IGNORECASE)
CITIZEN_RE = re.compile(r"^#?(\d{1,9})$")
ACTION_LABELS = {
    Action.APPROVE: N_("approved"), Action.REQUEST_CHANGES: N_("asked for changes"), Action.REJECT: N_("rejected"),
    Action.HIDE: N_("hid"), Action.UNHIDE: N_("showed again"), Action.AUTO_HIDE: N_("hidden after reports"),
    Action.BLOCK: N_("blocked"), Action.UNBLOCK: N_("unblocked"), Action.VERIFY: N_("verified as professional"),
    Action.UNVERIFY: N_("took back the verification of"), "erase_personal_data": N_("erased their personal data"),
}


def parse_target(text: str) -> tuple[Target, int] | None:
    """'42' or '#42': initiative 42; 'u17': update 17."""
    match = TARGET_RE.match(text)
    if match is None:
        return None
    return (Target.UPDATE if match.group(1) else Target.INITIATIVE), int(match.group(2))


def parse_citizen(text: str) -> int | None:
    """'12' or '#12': citizen 12."""
    match = CITIZEN_RE.match(text)
    return int(match.group(1)) if match else None


async def usage(update: Update, context: BotContext, text: str) -> StepResult:
    """Explain how a staff command is used."""
    await send(update, context, _("Use it like this:") + f"\n<code>{esc(text)}</code>")
    return None


# --- hide / unhide ---------------------------------------------------------------------------------

async def hide_command(update: Update, context: BotContext) -> StepResult:
    """/hide 42 [reason] or /hide u17 [reason]: hide an initiative or an update."""
    return await _set_hidden(update, context, True)


async def unhide_command(update: Update, context: BotContext) -> StepResult:
    """/unhide 42 or /unhide u17: show it again."""
    return await _set_hidden(update, context, False)


async def _set_hidden(update: Update, context: BotContext, hidden: bool) -> StepResult:
    ref, _sep, reason = context.command_args.partition(" ")
    target = parse_target(ref)
    if target is None:
        example = "/hide 42 reason · /hide u17 reason" if hidden else "/unhide 42 · /unhide u17"
        return await usage(update, context, example)
    try:
        title = await moderation.set_hidden(context.citizen, target[0], target[1], hidden, reason or None)
    except NotAllowed:
        return await refused(update, context)
    except NotFound:
        await send(update, context, _("There is no {what}.", what=esc(ref)))
        return None
    except InvalidValue as error:
        await send(update, context, steps.invalid(error, len(reason)))
        return None
    text = _("Hidden: {title}", title=clip(title, 100)) if hidden else _("Visible: {title}", title=clip(title, 100))
    await send(update, context, ("🙈 " if hidden else "👁 ") + text)
    return None


# --- block / unblock -------------------------------------------------------------------------------

async def block_command(update: Update, context: BotContext) -> StepResult:
    """/block 12 [reason]: block a citizen; without a reason, ask for it."""
    ref, _sep, reason = context.command_args.partition(" ")
    citizen_id = parse_citizen(ref)
    if citizen_id is None:
        return await usage(update, context, "/block 12 reason")
    try:
        if not reason.strip():
            return await ask_block(update, context, citizen_id)
        return await block_with_reason(update, context, citizen_id, reason)
    except NotAllowed:
        return await refused(update, context)
    except NotFound:
        await send(update, context, _("There is no citizen #{id}.", id=citizen_id))
        return None
    except InvalidValue as error:
        await send(update, context, steps.invalid(error, len(reason.strip())))
        return None


async def unblock_command(update: Update, context: BotContext) -> StepResult:
    """/unblock 12: lift a citizen's block."""
    citizen_id = parse_citizen(context.command_args.partition(" ")[0])
    if citizen_id is None:
        return await usage(update, context, "/unblock 12")
    try:
        outcome = await moderation.set_blocked(context.citizen, citizen_id, False, context.settings.staff_ids)
    except NotAllowed:
        return await refused(update, context)
    except NotFound:
        await send(update, context, _("There is no citizen #{id}.", id=citizen_id))
        return None
    await send(update, context, _("Unblocked: {name} (citizen #{id}).", name=esc(outcome.name), id=citizen_id))
    return None


# --- verify professionals --------------------------------------------------------------------------

async def verify_command(update: Update, context: BotContext) -> StepResult:
    """/verify 12 Organisation: mark a registered citizen as a verified professional and tell them."""
    ref, _sep, organisation = context.command_args.partition(" ")
    citizen_id = parse_citizen(ref)
    if citizen_id is None or not organisation.strip():
        return await usage(update, context, "/verify 12 Organisation name")
    try:
        outcome = await moderation.set_verified(context.citizen, citizen_id, organisation)
    except NotAllowed:
        return await refused(update, context)
    except NotFound:
        await send(update, context, _("There is no citizen #{id}.", id=citizen_id))
        return None
    except InvalidValue as error:
        if error.code == "not_registered":
            await send(update, context, _("Citizen #{id} has no profile yet: only registered citizens can be "
                                          "verified.", id=citizen_id))
        else:
            await send(update, context, steps.invalid(error, len(organisation.strip())))
        return None
    await send(update, context, "✅ " + _("{name} (citizen #{id}) is now a verified professional of {organisation}.",
                                         name=esc(outcome.name), id=citizen_id, organisation=esc(outcome.organisation)))
    await tell(context, outcome.telegram_id, outcome.language,
               lambda: "✅ " + _("You are now shown as a verified professional of {organisation}.",
                                organisation=esc(outcome.organisation)))
    return None


async def unverify_command(update: Update, context: BotContext) -> StepResult:
    """/unverify 12: take a professional's verification back."""
    citizen_id = parse_citizen(context.command_args.partition(" ")[0])
    if citizen_id is None:
        return await usage(update, context, "/unverify 12")
    try:
        outcome = await moderation.set_verified(context.citizen, citizen_id, None)
    except NotAllowed:
        return await refused(update, context)
    except NotFound:
        await send(update, context, _("There is no citizen #{id}.", id=citizen_id))
        return None
    await send(update, context, _("{name} (citizen #{id}) is no longer shown as verified.",
                                  name=esc(outcome.name), id=citizen_id))
    return None


# --- the audit log ---------------------------------------------------------------------------------

def audit_line(record: audit.AuditRecord, locale: str) -> str:
    """One entry: when, who, what, on what, why."""
    who = esc(record.actor_name or (f"#{record.actor_telegram_id}" if record.actor_telegram_id else _("the system")))
    if record.refused:
        what = "⛔ " + _("was refused: {action}", action=esc(record.action.removeprefix(audit.REFUSED)))
    else:
        what = _(ACTION_LABELS[record.action]) if record.action in ACTION_LABELS else esc(record.action)
    target = f" {esc(record.target_type)} #{record.target_id}" if record.target_type else ""
    why = f" — <i>{clip(record.reason, 200)}</i>" if record.reason else ""
    return f"<code>{when(record.created_at, locale)}</code>\n{who}: {what}{target}{why}"


async def audit_command(update: Update, context: BotContext) -> StepResult:
    """/audit [page]: the audit log, newest first, {AUDIT_PAGE} entries a page."""
    arg = context.command_args.partition(" ")[0]
    page = int(arg) if arg.isdigit() and 0 < int(arg) < 100_000 else 1
    try:
        records = await audit.recent(context.citizen, AUDIT_PAGE + 1, (page - 1) * AUDIT_PAGE)
    except NotAllowed:
        return await refused(update, context)
    if not records:
        await send(update, context, _("The audit log is empty."))
        return None
    lines = [f"<b>{_('Audit log (newest first)')}</b>"]
    lines += [audit_line(record, context.locale) for record in records[:AUDIT_PAGE]]
    if len(records) > AUDIT_PAGE:
        lines.append(_("Older entries: /audit {page}", page=page + 1))
    await send(update, context, "\n\n".join(lines))
    return None


def register(router: Router) -> None:
    """Wire the staff-only commands (resolved for staff only)."""
    router.command("audit", audit_command, N_("Audit log of staff actions"), staff_only=True)
    router.command("hide", hide_command, N_("Hide an initiative (42) or an update (u17)"), staff_only=True)
    router.command("unhide", unhide_command, N_("Show hidden content again"), staff_only=True)
    router.command("block", block_command, N_("Block a citizen (by citizen number)"), staff_only=True)
    router.command("unblock", unblock_command, N_("Lift a block"), staff_only=True)
    router.command("verify", verify_command, N_("Mark a citizen as verified professional of an organisation"),
                   staff_only=True)
    router.command("unverify", unverify_command, N_("Take a professional verification back"), staff_only=True)
