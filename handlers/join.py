"""Joining ("doe mee"), following, leaving and unfollowing an initiative.

Joining needs a profile (the registration flow runs first and lands back here). The joiner may say
how they would help and whether the initiator may see their contact (default: no). Buttons:
"join:ID" start (or change an offer), "offer:ID:KIND" toggle a kind of help, "offer:ID:next|back|
cancel|notext", "offer:ID:share:0|1" finish; "fol:ID", "unf:ID", "leave:ID[:yes]".

```mermaid
flowchart LR
    join["join:ID"] -->|no profile| reg["registration, then back to join:ID"]
    join --> offer["join.offer: kinds of help (toggles) and/or own words"]
    offer -->|Next| contact["join.contact: share contact? (No / Yes)"]
    contact -->|No / Yes| done["member: card with a note"]
    contact -->|Back| offer
    offer -->|Cancel| card["the card"]
    follow["fol:ID / unf:ID"] --> card
    leave["leave:ID"] -->|Yes, leave| card
```
"""

from __future__ import annotations

from telegram import Update

from bot.engine import END, BotContext, Flow, Router, StepResult, begin
from bot.i18n import N_, _
from bot.replies import button, clip, keyboard, rows_of, send, show
from bot.services import browse, memberships
from bot.services.errors import InvalidValue, NotAllowed, NotFound
from bot.services.memberships import OFFER_KINDS
from handlers import steps
from handlers.browse import CARD, not_found_text, show_card
from handlers.menu import MENU
from handlers.registration import require_profile

FLOW = "join"
JOIN, OFFER, FOLLOW, UNFOLLOW, LEAVE = "join", "offer", "fol", "unf", "leave"

OFFER_LABELS = {
    "volunteers": N_("🙋 Lend a hand"),
    "knowledge": N_("🧠 Knowledge or advice"),
    "place": N_("🏠 A place"),
    "materials": N_("🧰 Materials"),
}


class Step(Flow):
    OFFER = "join.offer"
    CONTACT = "join.contact"


def _id(data: str, position: int = 1) -> int | None:
    parts = data.split(":")
    value = parts[position] if len(parts) > position else ""
    return int(value) if value.isdigit() and len(value) < 10 else None


# --- joining -----------------------------------------------------------------------------------

async def start_join(update: Update, context: BotContext) -> StepResult:
    """Check the profile (registration first if needed); ask what help the citizen offers."""
    initiative_id = _id(context.callback_data)
    if initiative_id is None:
        return await steps.stale(update, context)
    gate = await require_profile(update, context, then=f"{JOIN}:{initiative_id}")
    if gate is not None:
        return gate
    relation = await memberships.relation(context.citizen.id, initiative_id)
    try:
        card = await browse.get_card(initiative_id, context.locale, context.citizen.id)
    except NotFound:
        await show(update, context, not_found_text(), keyboard([button(_("Main menu"), MENU)]))
        return None
    if relation.initiator or not card.published:
        context.notice = _("You cannot join your own initiative.") if relation.initiator else not_found_text()
        await show_card(update, context, initiative_id)
        return None
    step = begin(context, Step.OFFER, {"id": initiative_id, "title": card.title, "offer": list(relation.offer),
                                       "text": relation.offer_text, "share": relation.share_contact,
                                       "member": relation.member})
    await ask_offer(update, context)
    return step


async def ask_offer(update: Update, context: BotContext) -> StepResult:
    """Ask which kinds of help the citizen offers (toggles), or their own words; then Next."""
    data = context.conversation.data
    initiative_id, chosen = data.get("id"), data.get("offer") or []
    lines = ["<b>" + _("Join “{title}”", title=clip(data.get("title", ""), 100)) + "</b>",
             _("How would you like to help? Choose what fits, or type it in your own words. "
               "Both are optional: press Next when you are done.")]
    if data.get("text"):
        lines.append("\n✍️ " + _("In your own words: “{text}”", text=clip(data["text"], 500)))
    toggles = [button(("✅ " if kind in chosen else "") + _(OFFER_LABELS[kind]), f"{OFFER}:{initiative_id}:{kind}")
               for kind in OFFER_KINDS]
    remove = [button("✖ " + _("Remove my own words"), f"{OFFER}:{initiative_id}:notext")] if data.get("text") else []
    await show(update, context, "\n".join(lines), keyboard(
        *rows_of(toggles, 2), remove,
        [button("‹ " + _("Cancel"), f"{OFFER}:{initiative_id}:cancel"),
         button(_("Next") + " ›", f"{OFFER}:{initiative_id}:next")]))
    return None


async def offer_typed(update: Update, context: BotContext) -> StepResult:
    """Store the help offered in the citizen's own words; ask the offer question again."""
    text = steps.text_of(update)
    if text is None:
        await send(update, context, steps.not_text())
    else:
        try:
            _kinds, cleaned = memberships.clean_offer([], text)
        except InvalidValue as error:
            await send(update, context, steps.invalid(error, len(text.strip())))
            return None
        context.conversation.data["text"] = cleaned
    await ask_offer(update, context)
    return None


async def ask_contact(update: Update, context: BotContext) -> StepResult:
    """Ask whether the initiator may see the citizen's contact (No is the default)."""
    data = context.conversation.data
    initiative_id, share = data.get("id"), bool(data.get("share"))
    text = ("<b>" + _("May the initiator see how to reach you?") + "</b>\n"
            + _("If you agree, they see your Telegram username and the e-mail address of your profile, "
                "so they can contact you. If not, they only see your public name and what you offer."))
    await show(update, context, text, keyboard(
        [button(("✓ " if not share else "") + "🔒 " + _("No, keep it private"), f"{OFFER}:{initiative_id}:share:0")],
        [button(("✓ " if share else "") + "📇 " + _("Yes, share my contact"), f"{OFFER}:{initiative_id}:share:1")],
        [button("‹ " + _("Back"), f"{OFFER}:{initiative_id}:back")]))
    return None


async def contact_typed(update: Update, context: BotContext) -> StepResult:
    """Text where a button was expected: point at the buttons and ask again."""
    await send(update, context, _("Please choose one of the buttons."))
    await ask_contact(update, context)
    return None


async def offer_button(update: Update, context: BotContext) -> StepResult:
    """Toggle a kind of help, or go on (Next, Back, Cancel, Remove my words, share: finish)."""
    parts = context.callback_data.split(":")
    data = context.conversation.data
    if not context.conversation.in_flow(FLOW) or _id(context.callback_data) != data.get("id") or len(parts) < 3:
        return await steps.stale(update, context)
    action = parts[2]
    if action in OFFER_KINDS:
        chosen = data.setdefault("offer", [])
        if action in chosen:
            chosen.remove(action)
        else:
            chosen.append(action)
        await ask_offer(update, context)
        return None
    if action == "notext":
        data["text"] = None
        await ask_offer(update, context)
        return Step.OFFER
    if action == "next":
        await ask_contact(update, context)
        return Step.CONTACT
    if action == "back":
        await ask_offer(update, context)
        return Step.OFFER
    if action == "share" and len(parts) == 4 and parts[3] in ("0", "1"):
        return await finish_join(update, context, share=parts[3] == "1")
    context.notice = _("Nothing changed.")
    await show_card(update, context, data["id"])
    return END


async def finish_join(update: Update, context: BotContext, share: bool) -> StepResult:
    """Save the membership with the offer and the contact choice; show the card with a thank-you."""
    data = context.conversation.data
    user = update.effective_user
    try:
        new = await memberships.join(context.citizen.id, data["id"], data.get("offer") or [], data.get("text"),
                                     share_contact=share, contact_username=user.username if user else None)
    except NotAllowed as error:
        if str(error) == "profile":
            return await require_profile(update, context, then=f"{JOIN}:{data['id']}")
        context.notice = _("You cannot join your own initiative.")
        await show_card(update, context, data["id"])
        return END
    except NotFound:
        await show(update, context, not_found_text(), keyboard([button(_("Main menu"), MENU)]))
        return END
    except InvalidValue:
        await ask_offer(update, context)
        return Step.OFFER
    if new:
        note = "🎉 " + _("You joined! The initiator will hear about it. Updates of this initiative come here.")
        context.notice = _("You joined!")
    else:
        note = "✅ " + _("Saved: what you offer is updated.")
        context.notice = _("Saved.")
    await show_card(update, context, data["id"], note=note)
    return END


# --- following, leaving ------------------------------------------------------------------------

async def follow(update: Update, context: BotContext) -> StepResult:
    """Follow the initiative (no profile needed); show its card with a note."""
    initiative_id = _id(context.callback_data) or 0
    try:
        new = await memberships.follow(context.citizen.id, initiative_id)
        note = "🔔 " + (_("You now follow this initiative: its updates come here.") if new
                       else _("You already follow this initiative."))
    except NotFound:
        note = None
    except NotAllowed as error:
        note = (_("You are a member, so you already get its updates.") if str(error) == "member"
                else _("This is your initiative: you do not need to follow it."))
    if note:
        context.notice = note[:200]
    await show_card(update, context, initiative_id, note=note)
    return None


async def unfollow(update: Update, context: BotContext) -> StepResult:
    """Stop following the initiative; show its card with a note."""
    initiative_id = _id(context.callback_data) or 0
    stopped = await memberships.unfollow(context.citizen.id, initiative_id)
    note = "🔕 " + (_("You no longer follow this initiative.") if stopped else _("You were not following it."))
    context.notice = note
    await show_card(update, context, initiative_id, note=note)
    return None


async def leave(update: Update, context: BotContext) -> StepResult:
    """Ask to confirm leaving; on "yes" leave and show the card (with Follow, to keep the updates)."""
    initiative_id = _id(context.callback_data) or 0
    if not context.callback_data.endswith(":yes"):
        await show(update, context, _("Leave this initiative? The initiator will no longer count you as a member "
                                      "and you will no longer get its updates."),
                   keyboard([button("🚪 " + _("Yes, leave"), f"{LEAVE}:{initiative_id}:yes"),
                             button(_("No, stay"), f"{CARD}:{initiative_id}")]))
        return None
    left = await memberships.leave(context.citizen.id, initiative_id)
    note = "🚪 " + (_("You left this initiative. You can still follow it to get its updates.") if left
                   else _("You are not a member of this initiative."))
    context.notice = note[:200]
    await show_card(update, context, initiative_id, note=note)
    return None


def register(router: Router) -> None:
    """Wire joining, following, leaving and unfollowing."""
    router.callback(JOIN, start_join)
    router.callback(OFFER, offer_button)
    router.callback(FOLLOW, follow)
    router.callback(UNFOLLOW, unfollow)
    router.callback(LEAVE, leave)
    router.step(Step.OFFER, offer_typed)
    router.step(Step.CONTACT, contact_typed)
    router.flow(FLOW, N_("joining an initiative"), ask_again)


async def ask_again(update: Update, context: BotContext) -> StepResult:
    """Ask the current question of joining again (after /cancel → Continue)."""
    if context.conversation.at(Step.CONTACT):
        return await ask_contact(update, context)
    return await ask_offer(update, context)
