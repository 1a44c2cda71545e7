"""Coaching: professionals follow themes, offer to coach initiatives; initiators accept or decline.

/coaching (or "coach:themes") shows the themes a professional follows ("coach:t:THEME" toggles one);
a daily digest (bot/digests.py) brings new initiatives of those themes that ask for knowledge.
On a card: "coach:ID" asks to confirm, "coach:ID:yes" makes the offer (the initiator is told);
"coach:ID:offers" lists the offers to the initiator, "coach:a:OFFER" accepts, "coach:d:OFFER" declines
(the professional is told).

```mermaid
flowchart LR
    themes["/coaching: themes (toggles)"] --> digest["daily digest of matching initiatives"]
    digest -->|link| card["the card: 🎓 Offer to coach"] --> confirm["confirm"] --> offered["initiator told"]
    offered --> offers["initiator: coach:ID:offers"] -->|Accept / Decline| told["professional told"]
```
"""

from __future__ import annotations

from telegram import Update

from bot.engine import BotContext, Router, StepResult
from bot.i18n import N_, _, use_locale
from bot.replies import button, clip, esc, keyboard, rows_of, send, show
from bot.services import browse, coaching
from bot.services.coaching import ACCEPTED, DECLINED, OfferInfo
from bot.services.errors import InvalidValue, NotAllowed, NotFound
from bot.services.memberships import Contact
from handlers.browse import CARD, contact_text, deep_link_url, not_found_text, show_card
from handlers.menu import MENU

PREFIX = "coach"
OFFERS_SHOWN = 8  # open offers come first; more would not fit one message
STATUS_LABELS = {coaching.OFFERED: N_("waiting for your answer"), ACCEPTED: N_("accepted"), DECLINED: N_("declined")}


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


async def coach_button(update: Update, context: BotContext) -> StepResult:
    """Route the coaching buttons (themes, offer, the initiator's list and answers)."""
    parts = [*context.callback_data.split(":"), "", ""]
    action, argument = parts[1], parts[2]
    if action == "themes":
        return await show_themes(update, context)
    if action == "t" and _number(argument) is not None:
        return await toggle_theme(update, context, int(argument))
    if action in ("a", "d") and _number(argument) is not None:
        return await decide(update, context, int(argument), accept=action == "a")
    initiative_id = _number(action)
    if initiative_id is None:
        context.notice = _("This button is no longer active.")
        return await show_themes(update, context)
    if argument == "offers":
        return await show_offers(update, context, initiative_id)
    if argument == "yes":
        return await make_offer(update, context, initiative_id)
    return await confirm_offer(update, context, initiative_id)


# --- themes ------------------------------------------------------------------------------------

async def show_themes(update: Update, context: BotContext) -> StepResult:
    """Show a professional the themes they follow for coaching (toggles); explain it to others."""
    if not await coaching.is_professional(context.citizen.id):
        await show(update, context, _("Coaching is for professionals: people who registered as working for an "
                                      "organisation. If that is you, change your role with /profile."),
                   keyboard([button(_("Main menu"), MENU)]))
        return None
    themes = await coaching.themes(context.citizen.id, context.locale)
    text = ("<b>" + _("Coaching") + "</b>\n"
            + _("Choose the themes in which you can coach initiatives. At most once a day I send you the new "
                "initiatives in these themes that ask for knowledge or advice, and you can offer to coach them."))
    toggles = [button(("✅ " if theme.followed else "▫️ ") + theme.name, f"{PREFIX}:t:{theme.id}") for theme in themes]
    await show(update, context, text, keyboard(*rows_of(toggles, 1), [button(_("Main menu"), MENU)]))
    return None


async def toggle_theme(update: Update, context: BotContext, theme_id: int) -> StepResult:
    """Follow or stop following a theme for coaching; show the themes again."""
    try:
        followed = await coaching.toggle_theme(context.citizen.id, theme_id)
        context.notice = _("Theme followed.") if followed else _("Theme no longer followed.")
    except (NotAllowed, NotFound):
        context.notice = _("This button is no longer active.")
    return await show_themes(update, context)


# --- offering ----------------------------------------------------------------------------------

async def confirm_offer(update: Update, context: BotContext, initiative_id: int) -> StepResult:
    """Ask the professional to confirm the offer, saying what the initiator will see."""
    if not await coaching.is_professional(context.citizen.id):
        return await show_themes(update, context)
    try:
        card = await browse.get_card(initiative_id, context.locale, context.citizen.id)
    except NotFound:
        await show(update, context, not_found_text(), keyboard([button(_("Main menu"), MENU)]))
        return None
    await show(update, context,
               "<b>" + _("Offer to coach “{title}”?", title=clip(card.title, 100)) + "</b>\n"
               + _("The initiator sees your name, your organisation and how to reach you (your Telegram username "
                   "and the e-mail address of your profile), and can accept or decline."),
               keyboard([button("🎓 " + _("Yes, offer to coach"), f"{PREFIX}:{initiative_id}:yes")],
                        [button(_("Cancel"), f"{CARD}:{initiative_id}")]))
    return None


def offer_notice(context: BotContext, offer: OfferInfo, language: str) -> str:
    """What the initiator is told about a new offer, in their language."""
    with use_locale(language):
        who = esc(offer.professional_name) + (f" ({esc(offer.organisation)})" if offer.organisation else "")
        link = deep_link_url(context.settings.bot_username, offer.initiative_id)
        return ("🎓 " + _("{who} offers to coach your initiative “{title}”.", who=who,
                          title=clip(offer.initiative_title, 100))
                + "\n" + f'<a href="{esc(link)}">' + _("Open your initiative to accept or decline") + "</a>")


async def make_offer(update: Update, context: BotContext, initiative_id: int) -> StepResult:
    """Make the coaching offer (the initiator is told); show the card with a note."""
    user = update.effective_user
    try:
        new = await coaching.offer(context.citizen.id, initiative_id, user.username if user else None,
                                   lambda offer, language: offer_notice(context, offer, language))
    except NotAllowed as error:
        context.notice = (_("You cannot coach your own initiative.") if str(error) == "own"
                          else _("Coaching is for professionals."))
        await show_card(update, context, initiative_id)
        return None
    except NotFound:
        await show(update, context, not_found_text(), keyboard([button(_("Main menu"), MENU)]))
        return None
    note = "🎓 " + (_("Thank you! The initiator will hear about your offer and can accept or decline it.") if new
                   else _("You already offered to coach this initiative."))
    context.notice = note[:200]
    await show_card(update, context, initiative_id, note=note)
    return None


# --- the initiator's answer --------------------------------------------------------------------

async def show_offers(update: Update, context: BotContext, initiative_id: int, note: str | None = None) -> StepResult:
    """Show the initiator the coaching offers, with Accept / Decline for the open ones."""
    try:
        offers = await coaching.offers(context.citizen.id, initiative_id)
        card = await browse.get_card(initiative_id, context.locale, context.citizen.id)
    except (NotFound, NotAllowed):
        context.notice = _("Only the initiator of an initiative can answer its coaching offers.")
        await show_card(update, context, initiative_id)
        return None
    lines = [note + "\n" if note else "",
             "<b>" + _("Coaching offers for “{title}”", title=clip(card.title, 100)) + "</b>", ""]
    if not offers:
        lines.append(_("No coaching offers yet."))
    rows = []
    for offer in offers[:OFFERS_SHOWN]:
        who = f"<b>{clip(offer.professional_name, 64)}</b>" + (
            f" ({clip(offer.organisation, 100)})" if offer.organisation else "")
        lines.append(f"• {who} — {_(STATUS_LABELS.get(offer.status, offer.status))}")
        contact = Contact(offer.telegram_id, offer.username, offer.email)
        lines.append("  " + _("Contact: {contact}", contact=contact_text(contact)))
        if offer.status == coaching.OFFERED:
            name = offer.professional_name[:20]
            rows.append([button("✅ " + _("Accept {name}", name=name), f"{PREFIX}:a:{offer.id}"),
                         button("✖ " + _("Decline"), f"{PREFIX}:d:{offer.id}")])
    if len(offers) > OFFERS_SHOWN:
        lines.append(_("… and {n} more.", n=len(offers) - OFFERS_SHOWN))
    rows.append([button("‹ " + _("Back to the initiative"), f"{CARD}:{initiative_id}")])
    await show(update, context, "\n".join(lines).strip(), keyboard(*rows))
    return None


def answer_notice(context: BotContext, offer: OfferInfo, language: str) -> str:
    """What the professional is told about the initiator's answer, in their language."""
    with use_locale(language):
        title = clip(offer.initiative_title, 100)
        who = esc(offer.initiator_name or _("The initiator"))
        if offer.status == ACCEPTED:
            return "🎓 " + _("{who} accepted your offer to coach “{title}”. They have your contact and will get "
                            "in touch with you.", who=who, title=title)
        return "🎓 " + _("{who} declined your offer to coach “{title}”. Thank you for offering!", who=who, title=title)


async def decide(update: Update, context: BotContext, offer_id: int, accept: bool) -> StepResult:
    """Accept or decline a coaching offer (the professional is told); show the offers again."""
    try:
        offer = await coaching.decide(context.citizen.id, offer_id, accept,
                                      lambda info, language: answer_notice(context, info, language))
    except (NotFound, NotAllowed):
        context.notice = _("Only the initiator of an initiative can answer its coaching offers.")
        await send(update, context, context.notice, keyboard([button(_("Main menu"), MENU)]))
        return None
    except InvalidValue:
        context.notice = _("You already answered this offer.")
        await show(update, context, context.notice, keyboard([button(_("Main menu"), MENU)]))
        return None
    note = "✅ " + _("Accepted: {name} will hear it. Get in touch with them!", name=esc(offer.professional_name)) \
        if accept else "✖ " + _("Declined: {name} will hear it.", name=esc(offer.professional_name))
    context.notice = _("Accepted.") if accept else _("Declined.")
    return await show_offers(update, context, offer.initiative_id, note=note)


def register(router: Router) -> None:
    """Wire /coaching and the coaching buttons."""
    router.command("coaching", show_themes, N_("Coaching: the themes you follow as a professional"))
    router.callback(PREFIX, coach_button)
