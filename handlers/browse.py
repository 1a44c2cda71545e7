"""Browsing published initiatives in chat, and the card of one initiative (also opened by a deep link).

Buttons: "br:l:THEME:MUNICIPALITY:OFFSET" a page of the list (0 = no filter), "br:th:T:M" the theme
picker, "br:mu:T:M:PAGE" the municipality picker; "ini:ID[:T:M:OFFSET]" the card (with the list to go
back to), "ini:ID:members:OFFSET" its members (for the initiator). `/start initiative-ID` opens a card.

```mermaid
flowchart LR
    menu["🔎 Browse"] --> list["newest first, 5 a page"]
    list -->|🏷 / 📍| pickers["theme / municipality (with counts)"] --> list
    list -->|an initiative| card
    deeplink["/start initiative-ID"] --> card
    card -->|Join / Follow / Leave / Unfollow| join["handlers/join.py"]
    card -->|initiator: Members| members["who joined, what they offer, contact if shared"]
    card -->|initiator: Post an update| updates["handlers/updates.py"]
    card -->|professional: Offer coaching| coaching["handlers/coaching.py"]
```
"""

from __future__ import annotations

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.engine import BotContext, Router, StepResult
from bot.i18n import N_, _, ngettext
from bot.replies import button, clip, esc, keyboard, link_button, rows_of, send, show
from bot.services import browse, coaching, memberships
from bot.services.browse import InitiativeCard
from bot.services.errors import NotAllowed, NotFound
from bot.services.memberships import MemberInfo, Relation
from handlers.menu import MENU
from handlers.report import Target, report_button
from models.initiative import Status

BROWSE = "br"
CARD = "ini"
DEEP_LINK = "initiative"
MEMBERS = "members"
MUNICIPALITY_PAGE = 10
MEMBERS_PAGE = 8  # the longest possible entries still fit one message
DESCRIPTION_CLIP = 700

HELP_LABELS = {
    "volunteers": N_("volunteers"),
    "money": N_("money"),
    "place": N_("a place"),
    "knowledge": N_("knowledge or advice"),
    "materials": N_("materials"),
}
STATUS_LABELS = {
    Status.SUBMITTED: N_("waiting for moderation"),
    Status.CHANGES_REQUESTED: N_("changes requested by the moderators"),
    Status.REJECTED: N_("not published"),
    Status.WITHDRAWN: N_("withdrawn"),
    Status.HIDDEN: N_("hidden by the moderators"),
}


def help_list(kinds: list[str] | tuple[str, ...]) -> str:
    """Kinds of help as a translated, comma-separated list."""
    return ", ".join(_(HELP_LABELS[kind]) for kind in kinds if kind in HELP_LABELS)


def web_url(context: BotContext, initiative_id: int) -> str:
    """The initiative's page on the web view."""
    return f"{context.settings.public_url}/initiatieven/{initiative_id}"


def deep_link_url(bot_username: str, initiative_id: int) -> str:
    """A t.me link that opens the initiative's card in the bot."""
    return f"https://t.me/{bot_username}?start={DEEP_LINK}-{initiative_id}"


def _numbers(data: str, count: int) -> list[int]:
    """The first `count` fields after "prefix:action:" of a button's data as numbers; 0 when missing or forged."""
    parts = data.split(":")[2:]
    values = [int(part) if part.isdigit() and len(part) < 10 else 0 for part in parts[:count]]
    return values + [0] * (count - len(values))


# --- the list ----------------------------------------------------------------------------------

async def show_list(update: Update, context: BotContext) -> StepResult:
    """Show a page of published initiatives (newest first) with filter and paging buttons."""
    action = ([*context.callback_data.split(":"), ""])[1]
    if action == "th":
        return await pick_theme(update, context)
    if action == "mu":
        return await pick_municipality(update, context)
    theme_id, place_id, offset = _numbers(context.callback_data, 3) if action == "l" else (0, 0, 0)
    theme, place = await browse.filter_names(context.locale, theme_id, place_id)
    theme_id, place_id = (theme_id if theme else 0), (place_id if place else 0)
    page = await browse.list_published(context.locale, theme_id, place_id, offset)
    await show(update, context, _list_text(page, theme, place), _list_markup(page, theme_id, place_id))
    return None


def _list_text(page: browse.Page, theme: str | None, place: str | None) -> str:
    filters = "".join(f" · {label}" for label in (f"🏷 {esc(theme)}" if theme else "",
                                                    f"📍 {esc(place)}" if place else "") if label)
    lines = ["<b>" + _("Initiatives") + "</b>" + filters]
    if not page.total:
        lines.append(_("No published initiatives match these filters.") if theme or place
                     else _("There are no published initiatives yet. Be the first: bring in your idea!"))
        return "\n".join(lines)
    lines.append(ngettext("{n} initiative", "{n} initiatives", page.total) + " · "
                 + _("page {number} of {pages}", number=page.number, pages=page.pages))
    lines.append("")
    for number, item in enumerate(page.items, start=page.offset + 1):
        where = ", ".join(esc(part) for part in (item.theme, item.municipality) if part)
        lines.append(f"{number}. <b>{clip(item.title, 100)}</b>" + (f" — {where}" if where else "")
                     + f" · 👥 {item.members_count}")
    lines.append("")
    lines.append(_("Choose an initiative to see more, join or follow it."))
    return "\n".join(lines)


def _list_markup(page: browse.Page, theme_id: int, place_id: int) -> InlineKeyboardMarkup:
    state = f"{theme_id}:{place_id}:{page.offset}"
    items = [[button(f"{number}. {item.title[:50]}", f"{CARD}:{item.id}:{state}")]
             for number, item in enumerate(page.items, start=page.offset + 1)]
    paging = []
    if page.has_previous:
        paging.append(button("‹ " + _("Previous"), f"{BROWSE}:l:{theme_id}:{place_id}:{page.offset - page.limit}"))
    if page.has_next:
        paging.append(button(_("Next") + " ›", f"{BROWSE}:l:{theme_id}:{place_id}:{page.offset + page.limit}"))
    filters = [button("🏷 " + _("Theme"), f"{BROWSE}:th:{theme_id}:{place_id}"),
               button("📍 " + _("Municipality"), f"{BROWSE}:mu:{theme_id}:{place_id}:0")]
    clear = [button("✖ " + _("All initiatives"), f"{BROWSE}:l:0:0:0")] if theme_id or place_id else []
    return keyboard(*items, paging, filters, clear, [button(_("Main menu"), MENU)])


async def pick_theme(update: Update, context: BotContext) -> StepResult:
    """Offer the themes that have initiatives (in the chosen municipality), with their counts."""
    _theme_id, place_id = _numbers(context.callback_data, 2)
    choices = await browse.theme_choices(context.locale, place_id or None)
    buttons = [button(f"{choice.name} ({choice.count})", f"{BROWSE}:l:{choice.id}:{place_id}:0") for choice in choices]
    text = _("Choose a theme:") if choices else _("No published initiatives match these filters.")
    await show(update, context, text, keyboard(*rows_of(buttons, 1),
                                               [button(_("All themes"), f"{BROWSE}:l:0:{place_id}:0")]))
    return None


async def pick_municipality(update: Update, context: BotContext) -> StepResult:
    """Offer the municipalities that have initiatives (of the chosen theme), with counts, paged."""
    theme_id, _place_id, page = _numbers(context.callback_data, 3)
    choices = await browse.municipality_choices(theme_id or None)
    pages = max((len(choices) + MUNICIPALITY_PAGE - 1) // MUNICIPALITY_PAGE, 1)
    page = min(page, pages - 1)
    shown = choices[page * MUNICIPALITY_PAGE:(page + 1) * MUNICIPALITY_PAGE]
    buttons = [button(f"{choice.name} ({choice.count})", f"{BROWSE}:l:{theme_id}:{choice.id}:0") for choice in shown]
    paging = []
    if page > 0:
        paging.append(button("‹ " + _("Previous"), f"{BROWSE}:mu:{theme_id}:{_place_id}:{page - 1}"))
    if page < pages - 1:
        paging.append(button(_("Next") + " ›", f"{BROWSE}:mu:{theme_id}:{_place_id}:{page + 1}"))
    text = _("Choose a municipality:") if choices else _("No published initiatives match these filters.")
    await show(update, context, text, keyboard(*rows_of(buttons, 2), paging,
                                               [button(_("All municipalities"), f"{BROWSE}:l:{theme_id}:0:0")]))
    return None


# --- the card ----------------------------------------------------------------------------------

async def open_card(update: Update, context: BotContext) -> StepResult:
    """Show the card of the initiative in the button's data (or its members, for the initiator)."""
    parts = context.callback_data.split(":")
    initiative_id = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() and len(parts[1]) < 10 else 0
    if len(parts) > 2 and parts[2] == MEMBERS:
        return await show_members(update, context, initiative_id, _numbers(context.callback_data, 2)[1])
    back = f"{BROWSE}:l:" + ":".join(parts[2:5]) if len(parts) == 5 else None
    await show_card(update, context, initiative_id, back=back)
    return None


async def deep_link(update: Update, context: BotContext) -> StepResult:
    """Open the card of `/start initiative-ID` as a new message."""
    tail = context.command_args.partition("-")[2]
    initiative_id = int(tail) if tail.isdigit() and len(tail) < 10 else 0
    await show_card(update, context, initiative_id, new_message=True)
    return None


async def show_card(update: Update, context: BotContext, initiative_id: int, *, note: str | None = None,
                    back: str | None = None, new_message: bool = False) -> bool:
    """Show an initiative's card with the buttons that fit this citizen; False when it cannot be shown."""
    try:
        card = await browse.get_card(initiative_id, context.locale, context.citizen.id)
    except NotFound:
        await (send if new_message else show)(update, context, not_found_text(), keyboard(
            [button("🔎 " + _("Browse initiatives"), BROWSE)], [button(_("Main menu"), MENU)]))
        return False
    relation = await memberships.relation(context.citizen.id, initiative_id)
    professional = await coaching.is_professional(context.citizen.id)
    offers = await coaching.offer_counts(initiative_id) if relation.initiator else (0, 0)
    text = card_text(context, card, relation)
    if note:
        text = note + "\n\n" + text
    markup = card_markup(context, card, relation, professional=professional, offers=offers, back=back)
    await (send if new_message else show)(update, context, text, markup)
    return True


def not_found_text() -> str:
    """Said for an unknown initiative, or one that is not (or no longer) published."""
    return _("This initiative does not exist or is not published (any more).")


def card_text(context: BotContext, card: InitiativeCard, relation: Relation) -> str:
    """The card: title, theme and place, description (clipped), help needed, support, link."""
    lines = [f"<b>{clip(card.title, 100)}</b>"]
    where = " · ".join(part for part in (f"🏷 {esc(card.theme)}" if card.theme else "",
                                         f"📍 {esc(card.municipality)}" if card.municipality else "") if part)
    if where:
        lines.append(where)
    if not card.published:
        lines.append("<i>" + _("Status: {status}", status=_(STATUS_LABELS.get(card.status, card.status))) + "</i>")
    lines.append("")
    lines.append(clip(card.description, DESCRIPTION_CLIP) if card.description else "")
    if card.audience:
        lines.append(_("For: {audience}", audience=clip(card.audience, 200)))
    if card.help_needed:
        lines.append("🤝 " + _("Help needed: {kinds}", kinds=help_list(card.help_needed)))
    lines.append("👥 " + ngettext("{n} member", "{n} members", card.members_count) + " · 🔔 "
                 + ngettext("{n} follower", "{n} followers", card.followers_count))
    if card.initiator_name:
        lines.append(_("Started by {name}", name=esc(card.initiator_name)))
    if card.latest_update and card.latest_update_at:
        date = format_date(card.latest_update_at, format="medium", locale=context.locale)
        lines.append("📣 " + _("Latest news ({date}): {text}", date=date, text=clip(card.latest_update, 200)))
    lines.append("🌐 " + _("More on the website: {url}", url=esc(web_url(context, card.id))))
    lines.append("")
    lines.append(_relation_line(relation))
    return "\n".join(line for line in lines).strip()


def _relation_line(relation: Relation) -> str:
    if relation.initiator:
        return "⭐ " + _("This is your initiative.")
    if relation.member:
        offer = help_list(relation.offer)
        extra = [offer] if offer else []
        if relation.offer_text:
            extra.append(f"“{clip(relation.offer_text, 100)}”")
        return "✅ " + _("You joined this initiative.") + (
            " " + _("You offer: {offer}.", offer="; ".join(extra)) if extra else "")
    if relation.follower:
        return "🔔 " + _("You follow this initiative: you get its updates.")
    return ""


def card_markup(context: BotContext, card: InitiativeCard, relation: Relation, *, professional: bool,
                offers: tuple[int, int], back: str | None) -> InlineKeyboardMarkup:
    """The card's buttons: join/follow (or leave/unfollow), the initiator's tools, the website, back."""
    rows: list[list[InlineKeyboardButton]] = []
    if relation.initiator:
        rows.append([button("👥 " + _("Members ({n})", n=card.members_count), f"{CARD}:{card.id}:{MEMBERS}:0")])
        if card.published:
            rows.append([button("📣 " + _("Post an update"), f"upd:{card.id}")])
        waiting, total = offers
        if total:
            label = _("Coaching offers ({n})", n=waiting) if waiting else _("Coaching offers")
            rows.append([button("🎓 " + label, f"coach:{card.id}:offers")])
    elif card.published:
        if relation.member:
            rows.append([button("✏️ " + _("Change what I offer"), f"join:{card.id}"),
                         button("🚪 " + _("Leave"), f"leave:{card.id}")])
        else:
            row = [button("🙋 " + _("Join"), f"join:{card.id}")]
            row.append(button("🔕 " + _("Unfollow"), f"unf:{card.id}") if relation.follower
                       else button("🔔 " + _("Follow"), f"fol:{card.id}"))
            rows.append(row)
        if professional and not relation.coaching_offered:
            rows.append([button("🎓 " + _("Offer to coach"), f"coach:{card.id}")])
    web_row = [link_button("🌐 " + _("Web page"), web_url(context, card.id))]
    if not relation.initiator:
        web_row.append(report_button(Target.INITIATIVE, card.id))
    rows.append(web_row)
    rows.append([button("‹ " + _("Back to the list"), back or BROWSE), button(_("Main menu"), MENU)])
    return keyboard(*rows)


# --- the members, for the initiator ------------------------------------------------------------

async def show_members(update: Update, context: BotContext, initiative_id: int, offset: int) -> StepResult:
    """Show the initiator who joined, what they offer, and the contact of those who agreed to share it."""
    try:
        found, total = await memberships.members(context.citizen.id, initiative_id, offset, MEMBERS_PAGE)
        card = await browse.get_card(initiative_id, context.locale, context.citizen.id)
    except (NotFound, NotAllowed):
        context.notice = _("Only the initiator of an initiative can see its members.")
        await show_card(update, context, initiative_id)
        return None
    lines = ["<b>" + _("Members of “{title}”", title=clip(card.title, 100)) + "</b> (" + str(total) + ")", ""]
    if not total:
        lines.append(_("Nobody has joined yet. Share the link to your initiative: {url}",
                       url=esc(deep_link_url(context.settings.bot_username, initiative_id))))
    lines.extend(member_line(member, context.locale) for member in found)
    if total:
        lines.append("")
        lines.append("<i>" + _("Contact details are shown only for members who agreed to share them.") + "</i>")
    paging = []
    if offset > 0:
        paging.append(button("‹ " + _("Previous"), f"{CARD}:{initiative_id}:{MEMBERS}:{max(offset - MEMBERS_PAGE, 0)}"))
    if offset + MEMBERS_PAGE < total:
        paging.append(button(_("Next") + " ›", f"{CARD}:{initiative_id}:{MEMBERS}:{offset + MEMBERS_PAGE}"))
    await show(update, context, "\n".join(lines), keyboard(
        paging, [button("‹ " + _("Back to the initiative"), f"{CARD}:{initiative_id}")]))
    return None


def member_line(member: MemberInfo, locale: str) -> str:
    """One member: name and date joined, what they offer, their contact if they agreed."""
    line = f"• <b>{clip(member.name, 64)}</b> — " + _("joined {date}", date=format_date(
        member.joined_at, format="medium", locale=locale))
    offer = [help_list(member.offer)] if member.offer else []
    if member.offer_text:
        offer.append(f"“{clip(member.offer_text, 100)}”")
    if offer:
        line += "\n  " + _("Offers: {offer}", offer="; ".join(offer))
    if member.contact is not None:
        line += "\n  " + _("Contact: {contact}", contact=contact_text(member.contact))
    return line


def contact_text(contact: memberships.Contact) -> str:
    """A member's contact: Telegram username, e-mail, and a link that opens a chat with them."""
    parts = []
    if contact.username:
        parts.append("@" + clip(contact.username, 32))
    if contact.email:
        parts.append(clip(contact.email, 80))
    parts.append(f'<a href="tg://user?id={contact.telegram_id}">' + _("send a message") + "</a>")
    return " · ".join(parts)


def register(router: Router) -> None:
    """Wire browsing, the card and the deep link."""
    router.callback(BROWSE, show_list)
    router.callback(CARD, open_card)
    router.deep_link(DEEP_LINK, deep_link)
    router.menu_entry(40, N_("🔎 Browse initiatives"), BROWSE)
