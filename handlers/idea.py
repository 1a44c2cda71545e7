"""The idea wizard: from "I have an idea" to a submitted initiative, one question at a time.

The answers go straight into a draft initiative (bot/services/initiatives.py); the conversation
holds only the draft's id and where the citizen is. So the draft survives leaving the chat, /cancel
(unless discarded) and restarts, and "💡 New idea" offers to continue it.

```mermaid
flowchart TD
    new["💡 New idea / /idea"] -->|no profile| reg["registration, then back here"]
    new -->|a draft exists| offer["continue your draft / start a new one"]
    new --> title
    offer -->|continue| resume[the draft's step]
    offer -->|new| title
    title["1 title"] --> theme["2 theme (buttons)"] --> municipality["3 municipality (profile's by default)"]
    municipality --> description["4 description"] --> audience["5 who it is for (Skip)"]
    audience --> help["6 help needed (multi-select, Done)"] --> budget["7 budget (Skip)"]
    budget --> photo["8 photo (Skip)"] --> similar{"similar published initiatives?"}
    similar -->|none| summary
    similar -->|some| compare["compare: join one instead / mine is different"]
    compare -->|join| join["join:ID (draft parked)"]
    compare -->|different| summary["summary, ✏️ per field"]
    summary -->|✏️ field| field[that question] --> summary
    summary -->|Submit| done["submitted (or published)"]
    theme & municipality & description & audience -->|‹ Back| previous[previous question]
    help & budget & photo & compare -->|‹ Back| previous
```
"""

from __future__ import annotations

from telegram import Update

from bot.engine import END, BotContext, Flow, Router, StepResult, begin, redirect
from bot.i18n import N_, _
from bot.replies import button, clip, esc, keyboard, rows_of, send, show
from bot.services import initiatives, places, registration, similar
from bot.services.errors import InvalidValue, LimitReached, NotFound
from bot.services.initiatives import InitiativeInfo
from handlers import steps
from handlers.limits import limit_text
from handlers.menu import main_menu
from handlers.moderation import notify_staff_of_submission
from handlers.registration import require_profile
from handlers.subsidy import find_funding_button
from models.initiative import Status

FLOW = "idea"
PREFIX = "idea"
SIMILAR = "sim"


class Step(Flow):
    TITLE = "idea.title"
    THEME = "idea.theme"
    MUNICIPALITY = "idea.municipality"
    DESCRIPTION = "idea.description"
    AUDIENCE = "idea.audience"
    HELP = "idea.help"
    BUDGET = "idea.budget"
    PHOTO = "idea.photo"
    SIMILAR = "idea.similar"
    SUMMARY = "idea.summary"


ORDER = [Step.TITLE, Step.THEME, Step.MUNICIPALITY, Step.DESCRIPTION, Step.AUDIENCE, Step.HELP, Step.BUDGET,
         Step.PHOTO]
OPTIONAL = (Step.AUDIENCE, Step.BUDGET, Step.PHOTO)
FIELDS = {"t": Step.TITLE, "th": Step.THEME, "m": Step.MUNICIPALITY, "d": Step.DESCRIPTION, "a": Step.AUDIENCE,
          "h": Step.HELP, "b": Step.BUDGET, "p": Step.PHOTO}


# --- starting and resuming -----------------------------------------------------------------------------

async def new_idea(update: Update, context: BotContext) -> StepResult:
    """Start the wizard (after registration, if needed), or offer to continue an existing draft."""
    gate = await require_profile(update, context, then=f"{PREFIX}:new")
    if gate is not None:
        return gate
    if context.conversation.flow == FLOW:
        return await ask_again(update, context)
    parked = context.conversation.parked.get(FLOW)
    draft = await initiatives.current_draft(context.citizen.id)
    if parked or draft:
        prompt = (_("You have a draft idea: “{title}”. Do you want to continue it?", title=clip(draft.title, 100))
                  if draft and draft.title else _("You have a draft idea. Do you want to continue it?"))
        await show(update, context, prompt,
                   keyboard([button(_("▶️ Continue my draft"), f"{PREFIX}:cont")],
                            [button(_("🗑 Discard it and start a new idea"), f"{PREFIX}:fresh")]))
        return None
    return await _first_question(update, context)


async def _first_question(update: Update, context: BotContext) -> StepResult:
    begin(context, Step.TITLE)
    await ask_title(update, context, _("Let's work out your idea together: {total} short questions. You can go "
                                       "back, skip what is optional, and stop at any time with /cancel: your draft "
                                       "is kept.", total=len(ORDER)) + "\n\n")
    return Step.TITLE


async def continue_draft(update: Update, context: BotContext) -> StepResult:
    """Continue the parked wizard where it stopped, or the stored draft at its first open question."""
    if context.conversation.flow != FLOW and context.conversation.parked.get(FLOW):
        context.conversation.resume(FLOW)
    if context.conversation.flow == FLOW and context.conversation.data.get("id"):
        return await ask_again(update, context)
    draft = await initiatives.current_draft(context.citizen.id)
    if draft is None:
        return await _first_question(update, context)
    step = _first_open_step(draft)
    begin(context, step, {"id": draft.id})
    await ask_again(update, context)
    return step


async def fresh_start(update: Update, context: BotContext) -> StepResult:
    """Delete the existing draft and start a new one."""
    parked = context.conversation.parked.pop(FLOW, None) or {}
    draft = await initiatives.current_draft(context.citizen.id)
    for draft_id in {(parked.get("data") or {}).get("id"), draft.id if draft else None} - {None}:
        await initiatives.delete_draft(context.citizen.id, draft_id)
    if context.conversation.flow == FLOW:
        context.conversation.after(END)
    return await _first_question(update, context)


def _first_open_step(draft: InitiativeInfo) -> Step:
    """The first required question without an answer; the summary when all are answered."""
    missing = [(draft.title, Step.TITLE), (draft.theme, Step.THEME), (draft.municipality_id, Step.MUNICIPALITY),
               (draft.description, Step.DESCRIPTION), (draft.help_needed, Step.HELP)]
    return next((step for value, step in missing if not value), Step.SUMMARY)


async def discard(update: Update, context: BotContext) -> StepResult:
    """/cancel → Discard: delete the draft the parked wizard was filling."""
    draft_id = ((context.conversation.parked.get(FLOW) or {}).get("data") or {}).get("id")
    if draft_id:
        await initiatives.delete_draft(context.citizen.id, draft_id)
    return None


# --- the questions ---------------------------------------------------------------------------------------

async def _draft(context: BotContext) -> InitiativeInfo | None:
    draft_id = context.conversation.data.get("id")
    if not draft_id:
        return None
    try:
        return await initiatives.get(context.citizen.id, draft_id)
    except NotFound:
        return None


def _nav(context: BotContext, step: Step, *, keep: bool = False) -> list:
    """Back (to the previous question, or to the summary when editing), Skip, and Keep (a current answer)."""
    row = steps.nav_row(PREFIX, back=step != Step.TITLE or bool(context.conversation.data.get("edit")),
                        skip=step in OPTIONAL)
    if keep:
        row.append(button(_("Keep ›"), f"{PREFIX}:keep"))
    return row


def _q(step: Step, text: str, tip: str) -> str:
    return steps.question(text, tip, ORDER.index(step) + 1, len(ORDER))


def _now(value: str) -> str:
    return "\n\n" + _("Now: {value}", value=clip(value, 300))


async def ask_title(update: Update, context: BotContext, intro: str = "") -> None:
    """Ask for the title (5-100 characters), after an `intro` if given."""
    draft = await _draft(context)
    current = _now(draft.title) if draft and draft.title else ""
    await show(update, context, intro + _q(Step.TITLE, _("What is your idea called?"),
                                   _("Short and concrete, like “Vegetable garden for the Oosterpark”. "
                                     "{low} to {high} characters.", low=initiatives.TITLE_MIN,
                                     high=initiatives.TITLE_MAX)) + current,
               keyboard(_nav(context, Step.TITLE, keep=bool(current))))


async def ask_theme(update: Update, context: BotContext) -> None:
    """Ask for the theme (buttons from the theme list)."""
    draft = await _draft(context)
    chosen = draft.theme.id if draft and draft.theme else None
    themes = [button(("✓ " if theme.id == chosen else "") + theme.name(context.locale), f"{PREFIX}:th:{theme.id}")
              for theme in await initiatives.themes()]
    await show(update, context, _q(Step.THEME, _("Which theme fits your idea best?"),
                                   _("Pick the closest one: it helps others find your idea.")),
               keyboard(*rows_of(themes, 2), _nav(context, Step.THEME)))


async def ask_municipality(update: Update, context: BotContext, page: int = 0) -> None:
    """Ask for the municipality, the current one (the profile's at first) on top."""
    draft = await _draft(context)
    current = [button("✓ " + draft.municipality, f"{PREFIX}:m:{draft.municipality_id}")] \
        if draft and draft.municipality_id and draft.municipality else []
    tip = _("Keep {name}, choose another below, or type its name.", name=esc(draft.municipality)) \
        if current and draft else _("Choose it below, or type its name, e.g. “Zwolle”.")
    await show(update, context, _q(Step.MUNICIPALITY, _("In which municipality will it happen?"), tip),
               keyboard(current, *steps.municipality_rows(PREFIX, await places.municipalities(), page),
                        _nav(context, Step.MUNICIPALITY)))


async def ask_description(update: Update, context: BotContext) -> None:
    """Ask for the description (30-2000 characters)."""
    draft = await _draft(context)
    current = _now(draft.description) if draft and draft.description else ""
    await show(update, context, _q(Step.DESCRIPTION, _("What do you want to do, and why?"),
                                   _("What, where and for what reason, in a few sentences ({low} to {high} "
                                     "characters), like “We turn the empty lot on the Parkweg into a garden where "
                                     "neighbours grow vegetables together.”", low=initiatives.DESCRIPTION_MIN,
                                     high=initiatives.DESCRIPTION_MAX)) + current,
               keyboard(_nav(context, Step.DESCRIPTION, keep=bool(current))))


async def ask_audience(update: Update, context: BotContext) -> None:
    """Ask who it is for (optional)."""
    draft = await _draft(context)
    current = _now(draft.audience) if draft and draft.audience else ""
    await show(update, context, _q(Step.AUDIENCE, _("Who is it for? (optional)"),
                                   _("For example “children in the neighbourhood”, “older people living alone” "
                                     "or “everyone in the village”.")) + current,
               keyboard(_nav(context, Step.AUDIENCE, keep=bool(current))))


async def ask_help(update: Update, context: BotContext) -> None:
    """Ask what help is needed: toggle buttons and Done."""
    data = context.conversation.data
    if "help" not in data:
        draft = await _draft(context)
        data["help"] = list(draft.help_needed) if draft else []
    await show(update, context, _q(Step.HELP, _("What help do you need?"),
                                   _("Choose one or more, then tap Done. Others can offer exactly this help.")),
               keyboard(*steps.help_rows(PREFIX, data["help"]), _nav(context, Step.HELP)))


async def ask_budget(update: Update, context: BotContext) -> None:
    """Ask for a budget estimate (optional)."""
    draft = await _draft(context)
    current = _now(initiatives.format_budget(draft.budget_cents, context.locale)) \
        if draft and draft.budget_cents is not None else ""
    await show(update, context, _q(Step.BUDGET, _("Roughly how much money does it take? (optional)"),
                                   _("An estimate in euros is fine, like “2500” or “€ 2.500”.")) + current,
               keyboard(_nav(context, Step.BUDGET, keep=bool(current))))


async def ask_photo(update: Update, context: BotContext) -> None:
    """Ask for a photo (optional)."""
    draft = await _draft(context)
    current = "\n\n" + _("Now: a photo is added.") if draft and draft.photo_file_id else ""
    await show(update, context, _q(Step.PHOTO, _("Do you have a photo that shows your idea? (optional)"),
                                   _("A picture of the place, or a sketch. Send it as a photo.")) + current,
               keyboard(_nav(context, Step.PHOTO, keep=bool(current))))


async def ask_similar(update: Update, context: BotContext) -> StepResult:
    """Show published initiatives like the draft, or go on to the summary when there are none."""
    draft = await _draft(context)
    found = await similar.similar_initiatives(draft.title, draft.description, exclude_id=draft.id) if draft else []
    if not found:
        return await show_summary(update, context)
    lines = [_("<b>Before you submit: these initiatives look like yours.</b> Joining one can get things "
               "going faster; or go on with your own.")]
    buttons = []
    for number, item in enumerate(found, 1):
        place = f" — {esc(item.municipality)}" if item.municipality else ""
        lines.append(f"{number}. <b>{clip(item.title, 100)}</b>{place} · 👥 {item.members_count}")
        buttons.append([button(_("🤝 Join {number} instead", number=number), f"{SIMILAR}:j:{item.id}")])
    await show(update, context, "\n\n".join(lines),
               keyboard(*buttons, [button(_("✏️ Mine is different"), f"{SIMILAR}:diff")], steps.nav_row(PREFIX)))
    return Step.SIMILAR


async def show_summary(update: Update, context: BotContext) -> StepResult:
    """Show every answer with an edit button per field, and Submit."""
    draft = await _draft(context)
    if draft is None:
        return await _lost(update, context)
    context.conversation.data.pop("edit", None)
    context.conversation.data.pop("help", None)
    await show(update, context, summary_text(draft, context.locale), keyboard(
        [button(_("✏️ Title"), f"{PREFIX}:e:t"), button(_("✏️ Theme"), f"{PREFIX}:e:th")],
        [button(_("✏️ Municipality"), f"{PREFIX}:e:m"), button(_("✏️ Description"), f"{PREFIX}:e:d")],
        [button(_("✏️ For whom"), f"{PREFIX}:e:a"), button(_("✏️ Help needed"), f"{PREFIX}:e:h")],
        [button(_("✏️ Budget"), f"{PREFIX}:e:b"), button(_("✏️ Photo"), f"{PREFIX}:e:p")],
        find_funding_button(draft.id),
        [button(_("✅ Submit my idea"), f"{PREFIX}:submit")]))
    return Step.SUMMARY


def summary_text(draft: InitiativeInfo, locale: str) -> str:
    """The draft, every field named (values escaped)."""
    none = "—"
    budget = initiatives.format_budget(draft.budget_cents, locale) if draft.budget_cents is not None else none
    title = "<b>" + esc(draft.title) + "</b>"
    return "\n".join([
        "<b>" + _("Your idea — ready to submit?") + "</b>", "",
        "📌 " + _("Title: {value}", value=title),
        "🏷 " + _("Theme: {value}", value=esc(draft.theme.name(locale)) if draft.theme else none),
        "📍 " + _("Municipality: {value}", value=esc(draft.municipality or none)),
        "📝 " + _("Description: {value}", value=clip(draft.description, 2000) or none),
        "👥 " + _("For whom: {value}", value=esc(draft.audience or none)),
        "🤝 " + _("Help needed: {value}", value=esc(steps.help_names(draft.help_needed)) or none),
        "💶 " + _("Budget: {value}", value=budget),
        "📷 " + _("Photo: {value}", value=_("added") if draft.photo_file_id else none),
    ])


ASKS = {Step.TITLE: ask_title, Step.THEME: ask_theme, Step.MUNICIPALITY: ask_municipality,
        Step.DESCRIPTION: ask_description, Step.AUDIENCE: ask_audience, Step.HELP: ask_help,
        Step.BUDGET: ask_budget, Step.PHOTO: ask_photo}


async def ask_again(update: Update, context: BotContext) -> StepResult:
    """Ask the current step's question again (resume, /idea inside the wizard, a stale button)."""
    step = context.conversation.step
    if context.conversation.data.get("id") and not await _draft(context):
        return await _lost(update, context)
    if step == Step.SIMILAR:
        return await ask_similar(update, context)
    if step == Step.SUMMARY:
        return await show_summary(update, context)
    await ASKS.get(Step(step) if step in Step._value2member_map_ else Step.TITLE, ask_title)(update, context)
    return None


async def _lost(update: Update, context: BotContext) -> StepResult:
    """The draft is gone (submitted or deleted elsewhere): say so and leave the wizard."""
    await show(update, context, _("This draft no longer exists. What would you like to do?"), main_menu(context))
    return END


async def go_on(update: Update, context: BotContext, step: Step) -> StepResult:
    """After answering `step`: the summary when editing from it, else the next question (then compare)."""
    if context.conversation.data.get("edit"):
        return await show_summary(update, context)
    position = ORDER.index(step)
    if position + 1 == len(ORDER):
        return await ask_similar(update, context)
    following = ORDER[position + 1]
    await ASKS[following](update, context)
    return following


# --- typed answers -------------------------------------------------------------------------------------------

async def _save(update: Update, context: BotContext, step: Step, **fields: object) -> StepResult:
    """Store answers in the draft and go on; explain an invalid value and stay."""
    try:
        await initiatives.update_draft(context.citizen.id, context.conversation.data["id"], **fields)
    except InvalidValue as error:
        await send(update, context, steps.invalid(error, _length(update)))
        return None
    except (NotFound, KeyError):
        return await _lost(update, context)
    return await go_on(update, context, step)


def _length(update: Update) -> int | None:
    text = steps.text_of(update)
    return len(text.strip()) if text is not None else None


async def got_title(update: Update, context: BotContext) -> StepResult:
    """Store the title (creating the draft on the first answer); ask the theme."""
    text = steps.text_of(update)
    if text is None:
        await send(update, context, steps.not_text())
        return None
    if context.conversation.data.get("id"):
        return await _save(update, context, Step.TITLE, title=text)
    profile = await registration.get_profile(context.citizen.id)
    try:
        context.conversation.data["id"] = await initiatives.create_draft(
            context.citizen.id, text, profile.municipality_id)
    except InvalidValue as error:
        await send(update, context, steps.invalid(error, len(text.strip())))
        return None
    return await go_on(update, context, Step.TITLE)


async def _typed(update: Update, context: BotContext, step: Step, field: str) -> StepResult:
    text = steps.text_of(update)
    if text is None:
        await send(update, context, steps.not_text())
        return None
    return await _save(update, context, step, **{field: text})


async def got_description(update: Update, context: BotContext) -> StepResult:
    """Store the description; ask who it is for."""
    return await _typed(update, context, Step.DESCRIPTION, "description")


async def got_audience(update: Update, context: BotContext) -> StepResult:
    """Store who it is for; ask what help is needed."""
    return await _typed(update, context, Step.AUDIENCE, "audience")


async def got_budget(update: Update, context: BotContext) -> StepResult:
    """Store the budget (Dutch or English notation, as cents); ask for a photo."""
    text = steps.text_of(update)
    if text is None:
        await send(update, context, steps.not_text())
        return None
    try:
        cents = initiatives.parse_budget(text)
    except InvalidValue as error:
        await send(update, context, steps.invalid(error))
        return None
    return await _save(update, context, Step.BUDGET, budget_cents=cents)


async def got_photo(update: Update, context: BotContext) -> StepResult:
    """Store the photo's Telegram file_id; go on to compare with similar initiatives."""
    file_id = steps.photo_of(update)
    if file_id is None:
        await send(update, context, _("Please send a photo (not as a file), or tap Skip."))
        return None
    return await _save(update, context, Step.PHOTO, photo_file_id=file_id)


async def got_municipality(update: Update, context: BotContext) -> StepResult:
    """Store a typed municipality (fuzzy); unclear or outside the region: explain and stay."""
    place = await steps.municipality_typed(update, context, PREFIX)
    return None if place is None else await _save(update, context, Step.MUNICIPALITY, municipality_id=place.id)


async def use_buttons(update: Update, context: BotContext) -> StepResult:
    """Text where a button is expected: point at the buttons and ask again."""
    await send(update, context, _("Please choose one of the buttons."))
    return await ask_again(update, context)


# --- buttons -------------------------------------------------------------------------------------------------

async def on_button(update: Update, context: BotContext) -> StepResult:
    """Dispatch an 'idea:...' button; one of another step than the current one is stale."""
    action = [*context.callback_data.split(":"), ""][1]
    if action in ENTRY:
        gate = await require_profile(update, context, then=f"{PREFIX}:new")
        return gate if gate is not None else await ENTRY[action](update, context)
    handler, valid_at = BUTTONS.get(action, (None, ()))
    if handler is None or context.conversation.flow != FLOW or context.conversation.step not in valid_at:
        return await steps.stale(update, context)
    return await handler(update, context)


async def theme_chosen(update: Update, context: BotContext) -> StepResult:
    """Store the theme; ask the municipality."""
    return await _save(update, context, Step.THEME, theme_id=steps.id_of(context.callback_data) or 0)


async def municipality_chosen(update: Update, context: BotContext) -> StepResult:
    """Store the municipality; ask the description."""
    return await _save(update, context, Step.MUNICIPALITY, municipality_id=steps.id_of(context.callback_data) or 0)


async def municipality_page(update: Update, context: BotContext) -> StepResult:
    """Show another page of municipalities."""
    await ask_municipality(update, context, steps.page_of(context.callback_data))
    return None


async def help_toggled(update: Update, context: BotContext) -> StepResult:
    """Add or remove a kind of help from the selection; show the buttons again."""
    selection = steps.toggled(context.conversation.data.get("help", []), context.callback_data)
    if selection is None:
        return await steps.stale(update, context)
    context.conversation.data["help"] = selection
    await ask_help(update, context)
    return None


async def help_done(update: Update, context: BotContext) -> StepResult:
    """Store the selected kinds of help; ask the budget. None selected: say so and stay."""
    selection = context.conversation.data.get("help", [])
    if not selection:
        context.notice = _("Choose at least one kind of help.")
        await send(update, context, _("Choose at least one kind of help, then tap Done."))
        return None
    context.conversation.data.pop("help", None)
    return await _save(update, context, Step.HELP, help_needed=selection)


async def skip(update: Update, context: BotContext) -> StepResult:
    """Leave an optional answer empty; go on."""
    step = Step(context.conversation.step)
    field = {Step.AUDIENCE: "audience", Step.BUDGET: "budget_cents", Step.PHOTO: "photo_file_id"}[step]
    return await _save(update, context, step, **{field: None})


async def keep(update: Update, context: BotContext) -> StepResult:
    """Keep the current answer; go on."""
    return await go_on(update, context, Step(context.conversation.step))


async def back(update: Update, context: BotContext) -> StepResult:
    """Go back to the previous question (or to the summary when editing from it)."""
    step = context.conversation.step
    if context.conversation.data.get("edit"):
        return await show_summary(update, context)
    previous = Step.PHOTO if step == Step.SIMILAR else ORDER[max(ORDER.index(Step(step)) - 1, 0)]
    context.conversation.data.pop("help", None)
    await ASKS[previous](update, context)
    return previous


async def edit_field(update: Update, context: BotContext) -> StepResult:
    """From the summary: ask one field's question; answering it returns to the summary."""
    step = FIELDS.get(context.callback_data.rsplit(":", 1)[-1])
    if step is None:
        return await steps.stale(update, context)
    context.conversation.data["edit"] = True
    await ASKS[step](update, context)
    return step


async def submit(update: Update, context: BotContext) -> StepResult:
    """Submit the draft; tell the citizen what happens next."""
    draft_id = context.conversation.data.get("id") or 0
    try:
        status = await initiatives.submit_initiative(context.citizen.id, draft_id,
                                                     context.settings.publish_immediately,
                                                     context.settings.max_initiatives_per_day)
    except LimitReached as error:  # the draft stays; the summary's Submit button works again later
        await send(update, context, limit_text(error, context.settings.max_initiatives_per_day))
        return None
    except InvalidValue as error:
        draft = await _draft(context)
        if error.code == "incomplete" and draft:
            step = _first_open_step(draft)
            await send(update, context, _("One required answer is still missing."))
            context.conversation.data["edit"] = True
            await ASKS[step](update, context)
            return step
        return await _lost(update, context)
    except NotFound:
        return await _lost(update, context)
    draft = await initiatives.get(context.citizen.id, draft_id)
    await show(update, context, submitted_text(draft, status, context), main_menu(context))
    if status == Status.SUBMITTED:
        await notify_staff_of_submission(context, draft_id)  # Approve / Ask for changes / Reject
    return END


def submitted_text(draft: InitiativeInfo, status: Status, context: BotContext) -> str:
    """What happens after submitting: moderation first, or published at once (with its link)."""
    title = esc(draft.title)
    if status == Status.PUBLISHED:
        link = f"https://t.me/{context.settings.bot_username}?start=initiative-{draft.id}"
        return _("🎉 “{title}” is published! Others can now find and join it. Share this link: {link}",
                 title=title, link=link)
    return _("🎉 Thank you! “{title}” is submitted. Our team checks every new initiative before it is "
             "published; you will get a message when that happens. You can follow it under /mine.", title=title)


ENTRY = {"new": new_idea, "cont": continue_draft, "fresh": fresh_start, "": new_idea}
TEXT_STEPS = (Step.TITLE, Step.DESCRIPTION, Step.AUDIENCE, Step.BUDGET, Step.PHOTO)
BUTTONS = {
    "th": (theme_chosen, (Step.THEME,)),
    "m": (municipality_chosen, (Step.MUNICIPALITY,)),
    "mp": (municipality_page, (Step.MUNICIPALITY,)),
    "h": (help_toggled, (Step.HELP,)),
    "done": (help_done, (Step.HELP,)),
    "skip": (skip, OPTIONAL),
    "keep": (keep, TEXT_STEPS),
    "back": (back, (*ORDER[1:], Step.SIMILAR, Step.TITLE)),
    "e": (edit_field, (Step.SUMMARY,)),
    "submit": (submit, (Step.SUMMARY,)),
}


# --- the compare step ('sim:...') ----------------------------------------------------------------------------

async def on_similar(update: Update, context: BotContext) -> StepResult:
    """'Join this one instead' (the draft is parked, not lost) or 'mine is different' (the summary)."""
    if not context.conversation.at(Step.SIMILAR):
        return await steps.stale(update, context)
    if context.callback_data == f"{SIMILAR}:diff":
        return await show_summary(update, context)
    initiative_id = steps.id_of(context.callback_data)
    if initiative_id is None:
        return await steps.stale(update, context)
    context.conversation.park()
    context.notice = _("Your draft is kept: continue it any time with 💡 New idea.")
    return await redirect(update, context, f"join:{initiative_id}")


def register(router: Router) -> None:
    """Wire the wizard: its menu entry, /idea, its steps and buttons, and the compare step."""
    router.command("idea", new_idea, N_("Describe a new idea, step by step"))
    router.menu_entry(20, N_("💡 New idea"), f"{PREFIX}:new")
    router.flow(FLOW, N_("your idea"), ask_again, discard)
    router.callback(PREFIX, on_button)
    router.callback(SIMILAR, on_similar)
    router.step(Step.TITLE, got_title)
    router.step(Step.THEME, use_buttons)
    router.step(Step.MUNICIPALITY, got_municipality)
    router.step(Step.DESCRIPTION, got_description)
    router.step(Step.AUDIENCE, got_audience)
    router.step(Step.HELP, use_buttons)
    router.step(Step.BUDGET, got_budget)
    router.step(Step.PHOTO, got_photo)
    router.step(Step.SIMILAR, use_buttons)
    router.step(Step.SUMMARY, use_buttons)
