"""Registration: the profile a citizen makes the first time they submit, join or ask for subsidy advice.

Other features gate their actions with `require_profile(update, context, then=...)`: it returns None
for a registered citizen; otherwise it starts this flow, and when the profile is complete the citizen
is taken on to `then` (a callback_data such as "join:42") with `bot.engine.redirect`.

```mermaid
flowchart TD
    gate["require_profile(then)"] -->|no profile yet| name
    name["1 public name (Telegram name button, or typed)"] --> municipality
    municipality["2 municipality (paged buttons, or typed: fuzzy)"] --> role
    role["3 role"] -->|resident| email
    role -->|professional| organisation["3 organisation name"] --> email
    email["4 e-mail (optional: Skip)"] --> consent
    consent["5 consent to the privacy statement"] -->|I agree| done["profile saved"]
    done --> then["redirect(then), or the main menu"]
    consent -->|I do not agree| refuse["explained; agree after all / stop"]
    municipality & role & organisation & email & consent -->|‹ Back| previous[previous question]
```
"""

from __future__ import annotations

import html
from dataclasses import replace

from telegram import Update

from bot.engine import END, BotContext, Flow, Router, StepResult, begin, redirect
from bot.i18n import N_, _
from bot.replies import button, esc, keyboard, send, show
from bot.services import places, registration
from bot.services.errors import InvalidValue, NotFound
from handlers import steps
from handlers.menu import main_menu
from models.citizen import Role

FLOW = "reg"
PREFIX = "reg"
TOTAL = 5


class Step(Flow):
    NAME = "reg.name"
    MUNICIPALITY = "reg.municipality"
    ROLE = "reg.role"
    ORGANISATION = "reg.organisation"
    EMAIL = "reg.email"
    CONSENT = "reg.consent"


async def require_profile(update: Update, context: BotContext, then: str) -> StepResult | None:
    """None for a registered citizen; otherwise start (or pick up) registration and return its step."""
    if context.citizen.registered:
        return None
    conversation = context.conversation
    if conversation.flow != FLOW and conversation.parked.get(FLOW):
        conversation.resume(FLOW)
    if conversation.flow == FLOW and conversation.step in Step._value2member_map_:
        conversation.data["then"] = then
        step = Step(conversation.step)
    else:
        step = begin(context, Step.NAME, {"then": then})
    await ask(update, context, step, _("First a short profile: {total} quick questions, about a minute. "
                                       "Others only see your public name and municipality.", total=TOTAL) + "\n\n")
    return step


# --- the questions -------------------------------------------------------------------------------

async def ask(update: Update, context: BotContext, step: Step, intro: str = "") -> None:
    """Ask the question of `step` (after an `intro`, if given)."""
    await ASKS[step](update, context, intro=intro)


async def ask_again(update: Update, context: BotContext) -> StepResult:
    """Ask the current step's question again (after /cancel → Continue, or a stale button)."""
    step = context.conversation.step
    await ask(update, context, Step(step) if step in Step._value2member_map_ else Step.NAME)
    return None


async def ask_name(update: Update, context: BotContext, intro: str = "") -> None:
    """Ask for the public name, offering the Telegram first name as a button."""
    first = context.citizen.first_name.strip()
    offer = [button(_("Use “{name}”", name=first[:40]), f"{PREFIX}:tg")] if len(first) >= 2 else []
    await show(update, context,
               intro + steps.question(_("What name may others see?"),
                              _("Your first name is fine, or first name and initial, like “Anna B.”."), 1, TOTAL),
               keyboard(offer))


async def ask_municipality(update: Update, context: BotContext, page: int = 0, intro: str = "") -> None:
    """Ask for the municipality: paged buttons, or type its name."""
    choices = await places.municipalities()
    await show(update, context,
               intro + steps.question(_("Which municipality do you live or work in?"),
                              _("Choose it below, or type its name, e.g. “Zwolle”."), 2, TOTAL),
               keyboard(*steps.municipality_rows(PREFIX, choices, page), steps.nav_row(PREFIX)))


async def ask_role(update: Update, context: BotContext, intro: str = "") -> None:
    """Ask whether they take part as a resident or for an organisation."""
    await show(update, context,
               intro + steps.question(_("Do you take part as a resident, or on behalf of an organisation?"),
                              _("Professionals, like a community worker or a housing association, "
                                "can also offer help to initiatives."), 3, TOTAL),
               keyboard([button(_("🏠 Resident"), f"{PREFIX}:role:{Role.RESIDENT}")],
                        [button(_("🏢 Professional (organisation)"), f"{PREFIX}:role:{Role.PROFESSIONAL}")],
                        steps.nav_row(PREFIX)))


async def ask_organisation(update: Update, context: BotContext, intro: str = "") -> None:
    """Ask for the organisation's name."""
    await show(update, context,
               intro + steps.question(_("What is the name of your organisation?"),
                              _("For example “Welzijn Enschede” or “Stichting Groen Doen”."), 3, TOTAL),
               keyboard(steps.nav_row(PREFIX)))


async def ask_email(update: Update, context: BotContext, intro: str = "") -> None:
    """Ask for an e-mail address (optional)."""
    await show(update, context,
               intro + steps.question(_("What is your e-mail address? (optional)"),
                              _("Only used to reach you about your initiatives, never shown to others. "
                                "Like name@example.nl."), 4, TOTAL),
               keyboard(steps.nav_row(PREFIX, skip=True)))


async def ask_consent(update: Update, context: BotContext, intro: str = "") -> None:
    """Ask for consent to the privacy statement (required)."""
    url = html.escape(f"{context.settings.public_url}/privacy", quote=True)
    await show(update, context,
               intro + steps.question(_("Do you agree with our privacy statement?"),
                              _("We keep your profile to connect you with initiatives; you can remove it "
                                "at any time. Read the <a href=\"{url}\">privacy statement</a>.", url=url),
                              5, TOTAL),
               keyboard([button(_("✅ I agree"), f"{PREFIX}:yes"), button(_("I do not agree"), f"{PREFIX}:no")],
                        steps.nav_row(PREFIX)))


ASKS = {
    Step.NAME: ask_name,
    Step.MUNICIPALITY: ask_municipality,
    Step.ROLE: ask_role,
    Step.ORGANISATION: ask_organisation,
    Step.EMAIL: ask_email,
    Step.CONSENT: ask_consent,
}


# --- typed answers ---------------------------------------------------------------------------------

async def _typed(update: Update, context: BotContext, clean, key: str, next_step: Step) -> StepResult:
    """Store a cleaned typed answer under `key` and ask `next_step`; explain a bad answer and stay."""
    text = steps.text_of(update)
    if text is None:
        await send(update, context, steps.not_text())
        return None
    try:
        context.conversation.data[key] = clean(text)
    except InvalidValue as error:
        await send(update, context, steps.invalid(error, len(text.strip())))
        return None
    await ask(update, context, next_step)
    return next_step


async def got_name(update: Update, context: BotContext) -> StepResult:
    """Store the typed public name; ask the municipality."""
    return await _typed(update, context, registration.clean_name, "name", Step.MUNICIPALITY)


async def got_municipality(update: Update, context: BotContext) -> StepResult:
    """Store a typed municipality (fuzzy); ask the role. Unclear or outside the region: explain, stay."""
    place = await steps.municipality_typed(update, context, PREFIX)
    if place is None:
        return None
    context.conversation.data["municipality_id"] = place.id
    await send(update, context, "📍 " + esc(place.name))
    await ask_role(update, context)
    return Step.ROLE


async def got_organisation(update: Update, context: BotContext) -> StepResult:
    """Store the organisation's name; ask the e-mail address."""
    return await _typed(update, context, registration.clean_organisation, "organisation", Step.EMAIL)


async def got_email(update: Update, context: BotContext) -> StepResult:
    """Store the e-mail address; ask for consent."""
    return await _typed(update, context, registration.clean_email, "email", Step.CONSENT)


async def use_buttons(update: Update, context: BotContext) -> StepResult:
    """Text where a button is expected: point at the buttons and ask again."""
    await send(update, context, _("Please choose one of the buttons."))
    return await ask_again(update, context)


# --- buttons -----------------------------------------------------------------------------------------

async def on_button(update: Update, context: BotContext) -> StepResult:
    """Dispatch a 'reg:...' button; buttons of another step than the current one are stale."""
    action = context.callback_data.split(":")[1] if ":" in context.callback_data else ""
    handler, valid_at = BUTTONS.get(action, (None, ()))
    if handler is None or context.conversation.step not in valid_at:
        return await steps.stale(update, context)
    return await handler(update, context)


async def telegram_name(update: Update, context: BotContext) -> StepResult:
    """Store the Telegram first name as public name; ask the municipality."""
    try:
        context.conversation.data["name"] = registration.clean_name(context.citizen.first_name)
    except InvalidValue:
        return await ask_again(update, context)
    await ask_municipality(update, context)
    return Step.MUNICIPALITY


async def municipality_page(update: Update, context: BotContext) -> StepResult:
    """Show another page of municipalities."""
    await ask_municipality(update, context, steps.page_of(context.callback_data))
    return None


async def municipality_chosen(update: Update, context: BotContext) -> StepResult:
    """Store the chosen municipality; ask the role."""
    municipality_id = steps.id_of(context.callback_data)
    try:
        place = await places.get_municipality(municipality_id or 0)
    except NotFound:
        return await steps.stale(update, context)
    context.conversation.data["municipality_id"] = place.id
    await ask_role(update, context)
    return Step.ROLE


async def role_chosen(update: Update, context: BotContext) -> StepResult:
    """Store the role; a professional is asked for the organisation, a resident for the e-mail."""
    role = context.callback_data.rsplit(":", 1)[-1]
    if role not in (Role.RESIDENT, Role.PROFESSIONAL):
        return await steps.stale(update, context)
    context.conversation.data["role"] = role
    if role == Role.PROFESSIONAL:
        await ask_organisation(update, context)
        return Step.ORGANISATION
    context.conversation.data.pop("organisation", None)
    await ask_email(update, context)
    return Step.EMAIL


async def skip_email(update: Update, context: BotContext) -> StepResult:
    """Leave the e-mail address empty; ask for consent."""
    context.conversation.data["email"] = None
    await ask_consent(update, context)
    return Step.CONSENT


async def back(update: Update, context: BotContext) -> StepResult:
    """Go back to the previous question (answers are kept)."""
    data = context.conversation.data
    previous = {
        Step.MUNICIPALITY: Step.NAME,
        Step.ROLE: Step.MUNICIPALITY,
        Step.ORGANISATION: Step.ROLE,
        Step.EMAIL: Step.ORGANISATION if data.get("role") == Role.PROFESSIONAL else Step.ROLE,
        Step.CONSENT: Step.EMAIL,
    }.get(Step(context.conversation.step), Step.NAME)
    await ask(update, context, previous)
    return previous


async def agree(update: Update, context: BotContext) -> StepResult:
    """Save the profile with the consent time; go on to where the citizen was going (or the menu)."""
    data = context.conversation.data
    if not data.get("name") or not data.get("municipality_id"):
        await ask(update, context, Step.NAME)
        return Step.NAME
    profile = await registration.register(
        context.citizen.id, public_name=data["name"], municipality_id=data["municipality_id"],
        role=Role(data.get("role") or Role.RESIDENT), organisation=data.get("organisation"),
        email=data.get("email"), consent=True)
    context.citizen = replace(context.citizen, registered=True, public_name=profile.public_name)
    then = data.get("then")
    context.conversation.after(END)
    thanks = _("Thanks, {name}! Your profile is ready.", name=esc(profile.public_name))
    context.notice = _("Thanks, {name}! Your profile is ready.", name=profile.public_name or "")[:200]
    if then:
        return await redirect(update, context, then)
    await show(update, context, thanks + "\n\n" + _("What would you like to do?"), main_menu(context))
    return END


async def disagree(update: Update, context: BotContext) -> StepResult:
    """Explain that a profile needs consent; offer to agree after all, or to stop."""
    await show(update, context,
               _("Without your consent we cannot keep a profile, so you cannot submit or join initiatives. "
                 "You can still browse them. Nothing has been saved."),
               keyboard([button(_("✅ I agree after all"), f"{PREFIX}:yes")],
                        [button(_("Stop registering"), f"{PREFIX}:stop")]))
    return None


async def stop(update: Update, context: BotContext) -> StepResult:
    """Forget the registration answers and show the main menu."""
    await show(update, context, _("Your answers are discarded.") + " " + _("What would you like to do?"),
               main_menu(context))
    return END


BUTTONS = {
    "tg": (telegram_name, (Step.NAME,)),
    "mp": (municipality_page, (Step.MUNICIPALITY,)),
    "m": (municipality_chosen, (Step.MUNICIPALITY,)),
    "role": (role_chosen, (Step.ROLE,)),
    "skip": (skip_email, (Step.EMAIL,)),
    "back": (back, (Step.MUNICIPALITY, Step.ROLE, Step.ORGANISATION, Step.EMAIL, Step.CONSENT)),
    "yes": (agree, (Step.CONSENT,)),
    "no": (disagree, (Step.CONSENT,)),
    "stop": (stop, (Step.CONSENT,)),
}


def register(router: Router) -> None:
    """Wire the registration flow (started by `require_profile`, or by the profile menu entry)."""
    router.flow(FLOW, N_("your profile"), ask_again)
    router.callback(PREFIX, on_button)
    router.step(Step.NAME, got_name)
    router.step(Step.MUNICIPALITY, got_municipality)
    router.step(Step.ROLE, use_buttons)
    router.step(Step.ORGANISATION, got_organisation)
    router.step(Step.EMAIL, got_email)
    router.step(Step.CONSENT, use_buttons)
