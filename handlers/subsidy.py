"""The subsidy desk: five questions, then the subsidy routes that fit, best first, or advice from staff.

For citizens with a profile (others are sent through registration first and come back here).
Started from the menu ("sub:start") or from an initiative ("sub:ini:<id>", pre-filled with its
theme, municipality and budget); the profile's municipality is pre-filled too.

```mermaid
flowchart TD
    entry["💶 menu: sub:start / an initiative: sub:ini:ID"] -->|no profile| gate["require_profile → back here"]
    entry --> theme["1 theme (or: any)"] --> municipality["2 municipality (buttons or typed)"]
    municipality --> who["3 who applies"] --> amount["4 amount (typed, or: not known)"] --> when["5 when needed"]
    when --> results["routes that fit, best first + near misses"]
    results -->|none fit| none["no match: offer advice"]
    results & none -->|Ask the province| note["optional note"] -->|sent| staff["every staff chat (subsidy_advice)"]
    municipality & who & amount & when & note -->|‹ Back| previous[previous question]
```
"""

from __future__ import annotations

from telegram import Update

from bot.engine import BotContext, Flow, Router, StepResult, begin
from bot.i18n import N_, _
from bot.replies import button, esc, keyboard, rows_of, send, show
from bot.services import places, subsidies
from bot.services.errors import InvalidValue, NotFound
from bot.services.initiatives import parse_budget
from handlers import steps, subsidy_advice
from handlers.menu import MENU
from handlers.registration import require_profile
from handlers.subsidy_text import APPLICANT_BUTTONS, FITS_PER_PAGE, START, WHEN_BUTTONS, money, results_text

FLOW = "sub"
PREFIX = "sub"
ANY_THEME = "-"


class Step(Flow):
    THEME = "sub.theme"
    MUNICIPALITY = "sub.municipality"
    APPLICANT = "sub.applicant"
    AMOUNT = "sub.amount"
    WHEN = "sub.when"
    RESULTS = "sub.results"
    NOTE = "sub.note"


QUESTIONS = [Step.THEME, Step.MUNICIPALITY, Step.APPLICANT, Step.AMOUNT, Step.WHEN]


def find_funding_button(initiative_id: int) -> list:
    """A '💶 Find funding for this' button for an initiative's summary (a one-button row)."""
    return [button(_("💶 Find funding for this"), f"{PREFIX}:ini:{initiative_id}")]


# --- entering the desk -------------------------------------------------------------------------------

async def start(update: Update, context: BotContext) -> StepResult:
    """Check the profile; pre-fill the municipality from it and ask the theme."""
    gate = await require_profile(update, context, then=START)
    if gate is not None:
        return gate
    return await _begin(update, context, await subsidies.prefill(context.citizen.id))


async def start_for_initiative(update: Update, context: BotContext) -> StepResult:
    """Check the profile; pre-fill from the initiative in the button (theme, place, budget); ask the theme."""
    gate = await require_profile(update, context, then=context.callback_data)
    if gate is not None:
        return gate
    try:
        answers = await subsidies.prefill(context.citizen.id, steps.id_of(context.callback_data) or 0)
    except NotFound:
        context.notice = _("That initiative cannot be found.")
        answers = await subsidies.prefill(context.citizen.id)
    return await _begin(update, context, answers)


async def _begin(update: Update, context: BotContext, answers: dict) -> StepResult:
    step = begin(context, Step.THEME, answers)
    if answers.get("initiative_title"):
        intro = _("Let's find funding for “{title}”. I filled in what I know from your initiative: "
                  "tap ✓ to keep an answer.", title=esc(answers["initiative_title"][:100]))
    else:
        intro = _("Let's find the subsidy routes that fit your plan: {total} short questions.", total=len(QUESTIONS))
    await ask(update, context, step, intro)
    return step


# --- the questions -----------------------------------------------------------------------------------

def _question(step: Step, text: str, tip: str, intro: str = "") -> str:
    body = steps.question(text, tip, QUESTIONS.index(step) + 1, len(QUESTIONS))
    return f"{intro}\n\n{body}" if intro else body


def _checked(label: str, chosen: bool) -> str:
    return ("✓ " if chosen else "") + label


async def ask(update: Update, context: BotContext, step: Step, intro: str = "", page: int = 0) -> None:
    """Ask the question of `step` (after `intro`, if any), or show the results."""
    if step == Step.RESULTS:
        await show_results(update, context, page)
    elif step == Step.MUNICIPALITY:
        await ask_municipality(update, context, intro, page)
    else:
        await ASKS[step](update, context, intro)


async def ask_theme(update: Update, context: BotContext, intro: str = "") -> None:
    """Ask for the theme: the region's themes, and "another theme / not sure"; the current one ticked."""
    data = context.conversation.data
    themes = [button(_checked(name_en if context.locale == "en" else name_nl, data.get("theme") == slug),
                     f"{PREFIX}:th:{slug}") for slug, name_nl, name_en in (await subsidies.names()).themes]
    any_theme = button(_checked(_("🤷 Another theme / not sure"), "theme" in data and not data["theme"]),
                       f"{PREFIX}:th:{ANY_THEME}")
    await show(update, context, _question(Step.THEME, _("What is your plan about?"),
                                          _("Choose the theme that fits best."), intro),
               keyboard(*rows_of(themes, 2), [any_theme]))


async def ask_municipality(update: Update, context: BotContext, intro: str = "", page: int = 0) -> None:
    """Ask for the municipality: the current one (the profile's or the initiative's) on top, paged buttons."""
    current = await _municipality(context.conversation.data)
    keep = [button("✓ " + current.name, f"{PREFIX}:m:{current.id}")] if current else []
    tip = _("Keep {name}, choose another below, or type its name.", name=esc(current.name)) if current \
        else _("Choose it below, or type its name, e.g. “Zwolle”.")
    await show(update, context, _question(Step.MUNICIPALITY, _("In which municipality will it take place?"), tip,
                                          intro),
               keyboard(keep, *steps.municipality_rows(PREFIX, await places.municipalities(), page), _back()))


async def ask_applicant(update: Update, context: BotContext, intro: str = "") -> None:
    """Ask who applies: a resident, an informal group, a foundation or an association."""
    chosen = context.conversation.data.get("applicant")
    kinds = [button(_checked(_(label), chosen == kind), f"{PREFIX}:who:{kind}")
             for kind, label in APPLICANT_BUTTONS.items()]
    await show(update, context, _question(Step.APPLICANT, _("Who will apply for the money?"), _(
        "Some funds are only for foundations or associations. An informal group is a few people "
        "without a legal entity."), intro), keyboard(*rows_of(kinds, 2), _back()))


async def ask_amount(update: Update, context: BotContext, intro: str = "") -> None:
    """Ask for the amount (typed); offer to keep the current one, or "I don't know yet"."""
    amount = context.conversation.data.get("amount_cents")
    keep = [button(_("✓ Keep {amount}", amount=money(amount, context.locale)), f"{PREFIX}:amt:keep")] \
        if amount else []
    await show(update, context, _question(Step.AMOUNT, _("How much money do you need?"), _(
        "An estimate in euros is fine, like “2500” or “€ 2.500”."), intro),
        keyboard(keep, [button(_("I don't know yet"), f"{PREFIX}:amt:none")], _back()))


async def ask_when(update: Update, context: BotContext, intro: str = "") -> None:
    """Ask when the money is needed: within 1, 3, 6 or 12 months, or not sure."""
    data = context.conversation.data
    options = [button(_checked(_(label), "when" in data and data["when"] == months), f"{PREFIX}:when:{months}")
               for months, label in WHEN_BUTTONS.items()]
    await show(update, context, _question(Step.WHEN, _("When do you need the money?"), _(
        "Some funds only open later in the year."), intro), keyboard(*rows_of(options, 2), _back()))


async def ask_note(update: Update, context: BotContext, intro: str = "") -> None:
    """Ask for an optional note to staff, or to send the question as it is."""
    await show(update, context, "<b>" + _("What would you like to ask the province's staff?") + "</b>\n" + _(
        "They see your answers and your public name. Add a few words about your plan if you like "
        "(at most {limit} characters), or send the question as it is.", limit=subsidies.MAX_NOTE),
        keyboard([button(_("📨 Send without a note"), f"{PREFIX}:send")], _back()))


ASKS = {Step.THEME: ask_theme, Step.APPLICANT: ask_applicant, Step.AMOUNT: ask_amount, Step.WHEN: ask_when,
        Step.NOTE: ask_note}


def _back() -> list:
    return steps.nav_row(PREFIX)


async def _municipality(data: dict) -> places.Place | None:
    try:
        return await places.get_municipality(data["municipality_id"]) if data.get("municipality_id") else None
    except NotFound:
        return None


async def ask_again(update: Update, context: BotContext) -> StepResult:
    """Ask the current question again (after /cancel → Continue, or a stale button)."""
    step = context.conversation.step
    await ask(update, context, Step(step) if step in Step._value2member_map_ else Step.THEME)
    return None


async def show_results(update: Update, context: BotContext, page: int = 0) -> StepResult:
    """Match the answers and show one page of routes that fit, the near misses, and what to do next."""
    data = context.conversation.data
    matches = await subsidies.find_for(data)
    data["found"] = len(matches.fits)
    municipality = await _municipality(data)
    pages = max((len(matches.fits) + FITS_PER_PAGE - 1) // FITS_PER_PAGE, 1)
    page = min(max(page, 0), pages - 1)
    paging = ([button("‹ " + _("previous"), f"{PREFIX}:pg:{page - 1}")] if page > 0 else []) + \
        ([button(_("More routes") + " ›", f"{PREFIX}:pg:{page + 1}")] if page < pages - 1 else [])
    advice = _("🙋 Ask the province for advice") if not matches.fits else _("🙋 Ask the province")
    text = results_text(matches, data, await subsidies.names(), municipality.name if municipality else None,
                        context.locale, page)
    await show(update, context, text, keyboard(paging, [button(advice, f"{PREFIX}:adv")],
                                               [button(_("🔄 New search"), START), button(_("Main menu"), MENU)]))
    return Step.RESULTS


# --- answers -----------------------------------------------------------------------------------------

async def _next(update: Update, context: BotContext, step: Step) -> StepResult:
    """After answering `step`: the next question, or the results after the last one."""
    following = QUESTIONS[QUESTIONS.index(step) + 1] if step != QUESTIONS[-1] else Step.RESULTS
    if following == Step.RESULTS:
        return await show_results(update, context)
    await ask(update, context, following)
    return following


async def theme_chosen(update: Update, context: BotContext) -> StepResult:
    """Store the theme (or 'any'); ask the municipality."""
    slug = context.callback_data.split(":", 2)[2]
    if slug != ANY_THEME and (await subsidies.names()).theme(slug, "nl") is None:
        return await steps.stale(update, context)
    context.conversation.data["theme"] = None if slug == ANY_THEME else slug
    return await _next(update, context, Step.THEME)


async def municipality_chosen(update: Update, context: BotContext) -> StepResult:
    """Store the municipality of the button; ask who applies."""
    try:
        place = await places.get_municipality(steps.id_of(context.callback_data) or 0)
    except NotFound:
        return await steps.stale(update, context)
    context.conversation.data["municipality_id"] = place.id
    return await _next(update, context, Step.MUNICIPALITY)


async def municipality_page(update: Update, context: BotContext) -> StepResult:
    """Show another page of municipalities."""
    await ask_municipality(update, context, page=steps.page_of(context.callback_data))
    return None


async def got_municipality(update: Update, context: BotContext) -> StepResult:
    """Store a typed municipality (or offer the closest ones); ask who applies."""
    place = await steps.municipality_typed(update, context, PREFIX)
    if place is None:
        return None
    context.conversation.data["municipality_id"] = place.id
    await send(update, context, "📍 " + esc(place.name))
    return await _next(update, context, Step.MUNICIPALITY)


async def applicant_chosen(update: Update, context: BotContext) -> StepResult:
    """Store who applies; ask the amount."""
    kind = context.callback_data.split(":", 2)[2]
    if kind not in APPLICANT_BUTTONS:
        return await steps.stale(update, context)
    context.conversation.data["applicant"] = kind
    return await _next(update, context, Step.APPLICANT)


async def got_amount(update: Update, context: BotContext) -> StepResult:
    """Store a typed amount; ask when it is needed."""
    typed = steps.text_of(update)
    if typed is None:
        await send(update, context, steps.not_text())
        return await ask_again(update, context)
    try:
        cents = parse_budget(typed)
    except InvalidValue as error:
        await send(update, context, steps.invalid(error))
        return await ask_again(update, context)
    context.conversation.data["amount_cents"] = cents or None
    return await _next(update, context, Step.AMOUNT)


async def amount_chosen(update: Update, context: BotContext) -> StepResult:
    """Keep the pre-filled amount, or store 'not known'; ask when it is needed."""
    if context.callback_data.endswith(":none"):
        context.conversation.data["amount_cents"] = None
    return await _next(update, context, Step.AMOUNT)


async def when_chosen(update: Update, context: BotContext) -> StepResult:
    """Store when the money is needed; show the results."""
    months = context.callback_data.split(":", 2)[2]
    if not months.isdigit() or int(months) not in WHEN_BUTTONS:
        return await steps.stale(update, context)
    context.conversation.data["when"] = int(months)
    return await _next(update, context, Step.WHEN)


async def results_page(update: Update, context: BotContext) -> StepResult:
    """Show another page of routes."""
    return await show_results(update, context, steps.page_of(context.callback_data))


async def to_staff(update: Update, context: BotContext) -> StepResult:
    """Offer to ask staff for advice: ask for an optional note."""
    await ask_note(update, context)
    return Step.NOTE


async def got_note(update: Update, context: BotContext) -> StepResult:
    """Send the question with the typed note to staff; leave the desk."""
    typed = steps.text_of(update)
    if typed is None or not typed.strip():
        await send(update, context, steps.not_text())
        return None
    if len(typed.strip()) > subsidies.MAX_NOTE:
        await send(update, context, steps.invalid(InvalidValue("too_long", subsidies.MAX_NOTE), len(typed.strip())))
        return None
    return await subsidy_advice.send_request(update, context, context.conversation.data, typed)


async def send_without_note(update: Update, context: BotContext) -> StepResult:
    """Send the question to staff as it is; leave the desk."""
    return await subsidy_advice.send_request(update, context, context.conversation.data, None)


async def back(update: Update, context: BotContext) -> StepResult:
    """Go back to the previous question (the results, from the note)."""
    step = Step(context.conversation.step)
    if step == Step.NOTE:
        return await show_results(update, context)
    previous = QUESTIONS[max(QUESTIONS.index(step) - 1, 0)]
    await ask(update, context, previous)
    return previous


async def use_buttons(update: Update, context: BotContext) -> StepResult:
    """Text where a button is expected: point at the buttons and ask again."""
    await send(update, context, _("Please choose one of the buttons."))
    step = context.conversation.step
    if step == Step.RESULTS:
        return await show_results(update, context)
    return await ask_again(update, context)


# --- buttons -----------------------------------------------------------------------------------------

BUTTONS = {
    "start": (start, None),
    "ini": (start_for_initiative, None),
    "th": (theme_chosen, (Step.THEME,)),
    "m": (municipality_chosen, (Step.MUNICIPALITY,)),
    "mp": (municipality_page, (Step.MUNICIPALITY,)),
    "who": (applicant_chosen, (Step.APPLICANT,)),
    "amt": (amount_chosen, (Step.AMOUNT,)),
    "when": (when_chosen, (Step.WHEN,)),
    "pg": (results_page, (Step.RESULTS,)),
    "adv": (to_staff, (Step.RESULTS,)),
    "send": (send_without_note, (Step.NOTE,)),
    "back": (back, (Step.MUNICIPALITY, Step.APPLICANT, Step.AMOUNT, Step.WHEN, Step.NOTE)),
}


async def on_button(update: Update, context: BotContext) -> StepResult:
    """Dispatch a 'sub:...' button; a button of another step than the current one is stale."""
    action = context.callback_data.partition(":")[2].split(":")[0]
    handler, valid_at = BUTTONS.get(action, (None, ()))
    if handler is None or (valid_at is not None and context.conversation.step not in valid_at):
        return await steps.stale(update, context)
    return await handler(update, context)


def register(router: Router) -> None:
    """Wire the subsidy desk: menu entry, buttons, typed answers; and the advice to and from staff."""
    router.menu_entry(30, N_("💶 Find funding"), START)
    router.callback(PREFIX, on_button)
    router.flow(FLOW, N_("your funding search"), ask_again)
    router.step(Step.THEME, use_buttons)
    router.step(Step.MUNICIPALITY, got_municipality)
    router.step(Step.APPLICANT, use_buttons)
    router.step(Step.AMOUNT, got_amount)
    router.step(Step.WHEN, use_buttons)
    router.step(Step.RESULTS, use_buttons)
    router.step(Step.NOTE, got_note)
    subsidy_advice.register(router)

