"""/profile: show the citizen's profile and change one field at a time.

```mermaid
flowchart LR
    profile["/profile or 👤 menu button"] -->|no profile yet| reg["registration (then back here)"]
    profile --> card[profile card with an edit button per field]
    card -->|✏️ name| name[type a name] --> card
    card -->|✏️ municipality| municipality[buttons or typed, fuzzy] --> card
    card -->|✏️ role| role[resident / professional] -->|professional| organisation[type the organisation] --> card
    role -->|resident| card
    card -->|✏️ e-mail| email[type an address / remove it] --> card
    name & municipality & role & organisation & email -->|‹ Back| card
```
"""

from __future__ import annotations

from babel.dates import format_date
from telegram import Update

from bot.engine import END, BotContext, Flow, Router, StepResult, begin
from bot.i18n import N_, _
from bot.replies import button, esc, keyboard, send, show
from bot.services import places, registration
from bot.services.errors import InvalidValue
from bot.services.registration import Profile
from handlers import steps
from handlers.menu import MENU
from handlers.registration import require_profile
from models.citizen import Role

FLOW = "prof"
PREFIX = "prof"


class Step(Flow):
    NAME = "prof.name"
    MUNICIPALITY = "prof.municipality"
    ROLE = "prof.role"
    ORGANISATION = "prof.organisation"
    EMAIL = "prof.email"


def card(profile: Profile, locale: str) -> str:
    """The profile as a message."""
    if profile.role == Role.PROFESSIONAL:
        role = _("professional at {organisation}", organisation=esc(profile.organisation or ""))
    else:
        role = _("resident")
    consent = format_date(profile.consent_at, format="long", locale=locale) if profile.consent_at else "—"
    return "\n".join([
        "👤 <b>" + _("Your profile") + "</b>",
        _("Public name: {value}", value=esc(profile.public_name or "—")),
        _("Municipality: {value}", value=esc(profile.municipality or "—")),
        _("Taking part as: {value}", value=role),
        _("E-mail: {value}", value=esc(profile.email) if profile.email else _("not given")),
        _("Agreed to the privacy statement on {date}", date=consent),
        "",
        _("Others only see your public name and municipality."),
    ])


async def show_profile(update: Update, context: BotContext) -> StepResult:
    """Show the profile with an edit button per field (registration first for a new citizen)."""
    gate = await require_profile(update, context, then=PREFIX)
    if gate is not None:
        return gate
    profile = await registration.get_profile(context.citizen.id)
    await show(update, context, card(profile, context.locale), keyboard(
        [button(_("✏️ Name"), f"{PREFIX}:e:name"), button(_("✏️ Municipality"), f"{PREFIX}:e:mun")],
        [button(_("✏️ Role"), f"{PREFIX}:e:role"), button(_("✏️ E-mail"), f"{PREFIX}:e:email")],
        [button(_("Main menu"), MENU)]))
    return END if context.conversation.flow == FLOW else None


async def ask_again(update: Update, context: BotContext) -> StepResult:
    """Ask the question of the field being changed again."""
    asks = {Step.NAME: ask_name, Step.MUNICIPALITY: ask_municipality, Step.ROLE: ask_role,
            Step.ORGANISATION: ask_organisation, Step.EMAIL: ask_email}
    step = context.conversation.step
    if step in Step._value2member_map_:
        await asks[Step(step)](update, context)
    return None


async def ask_name(update: Update, context: BotContext) -> None:
    """Ask for a new public name."""
    await show(update, context, steps.question(_("What name may others see?"),
                                               _("Your first name is fine, or first name and initial, "
                                                 "like “Anna B.”.")), keyboard(steps.nav_row(PREFIX)))


async def ask_municipality(update: Update, context: BotContext, page: int = 0) -> None:
    """Ask for the municipality: buttons or typed."""
    await show(update, context, steps.question(_("Which municipality do you live or work in?"),
                                               _("Choose it below, or type its name, e.g. “Zwolle”.")),
               keyboard(*steps.municipality_rows(PREFIX, await places.municipalities(), page),
                        steps.nav_row(PREFIX)))


async def ask_role(update: Update, context: BotContext) -> None:
    """Ask resident or professional."""
    await show(update, context, steps.question(_("Do you take part as a resident, or on behalf of an organisation?")),
               keyboard([button(_("🏠 Resident"), f"{PREFIX}:role:{Role.RESIDENT}")],
                        [button(_("🏢 Professional (organisation)"), f"{PREFIX}:role:{Role.PROFESSIONAL}")],
                        steps.nav_row(PREFIX)))


async def ask_organisation(update: Update, context: BotContext) -> None:
    """Ask for the organisation's name."""
    await show(update, context, steps.question(_("What is the name of your organisation?"),
                                               _("For example “Welzijn Enschede” or “Stichting Groen Doen”.")),
               keyboard(steps.nav_row(PREFIX)))


async def ask_email(update: Update, context: BotContext) -> None:
    """Ask for a new e-mail address, or to remove it."""
    await show(update, context, steps.question(_("What is your e-mail address? (optional)"),
                                               _("Only used to reach you about your initiatives, never shown "
                                                 "to others. Like name@example.nl.")),
               keyboard([button(_("Remove my e-mail address"), f"{PREFIX}:noemail")], steps.nav_row(PREFIX)))


async def edit(update: Update, context: BotContext) -> StepResult:
    """Start changing one field ('prof:e:FIELD'): ask its question."""
    gate = await require_profile(update, context, then=PREFIX)
    if gate is not None:
        return gate
    field = context.callback_data.rsplit(":", 1)[-1]
    step = {"name": Step.NAME, "mun": Step.MUNICIPALITY, "role": Step.ROLE, "email": Step.EMAIL}.get(field)
    if step is None:
        return await steps.stale(update, context)
    begin(context, step)
    await ask_again(update, context)
    return step


async def _saved(update: Update, context: BotContext, profile: Profile) -> StepResult:
    """Confirm a change and show the profile again; leave the flow."""
    context.notice = _("Saved.")
    await send(update, context, "✅ " + _("Saved.") + "\n\n" + card(profile, context.locale), keyboard(
        [button(_("✏️ Name"), f"{PREFIX}:e:name"), button(_("✏️ Municipality"), f"{PREFIX}:e:mun")],
        [button(_("✏️ Role"), f"{PREFIX}:e:role"), button(_("✏️ E-mail"), f"{PREFIX}:e:email")],
        [button(_("Main menu"), MENU)]))
    return END


async def _typed(update: Update, context: BotContext, change) -> StepResult:
    """Save a typed value with `change(citizen_id, text)`; explain a bad value and stay."""
    text = steps.text_of(update)
    if text is None:
        await send(update, context, steps.not_text())
        return None
    try:
        profile = await change(context.citizen.id, text)
    except InvalidValue as error:
        await send(update, context, steps.invalid(error, len(text.strip())))
        return None
    return await _saved(update, context, profile)


async def got_name(update: Update, context: BotContext) -> StepResult:
    """Save the new public name; show the profile."""
    return await _typed(update, context, registration.change_name)


async def got_organisation(update: Update, context: BotContext) -> StepResult:
    """Save the role 'professional' with this organisation; show the profile."""
    return await _typed(update, context, lambda citizen_id, text: registration.change_role(
        citizen_id, Role.PROFESSIONAL, text))


async def got_email(update: Update, context: BotContext) -> StepResult:
    """Save the new e-mail address; show the profile."""
    return await _typed(update, context, registration.change_email)


async def got_municipality(update: Update, context: BotContext) -> StepResult:
    """Save a typed municipality (fuzzy); unclear or outside the region: explain and stay."""
    place = await steps.municipality_typed(update, context, PREFIX)
    if place is None:
        return None
    return await _saved(update, context, await registration.change_municipality(context.citizen.id, place.id))


async def use_buttons(update: Update, context: BotContext) -> StepResult:
    """Text where a button is expected: point at the buttons and ask again."""
    await send(update, context, _("Please choose one of the buttons."))
    return await ask_again(update, context)


async def on_button(update: Update, context: BotContext) -> StepResult:
    """Dispatch 'prof' (show), 'prof:e:FIELD' (edit) and the buttons of the edit questions."""
    action = context.callback_data.split(":")[1] if ":" in context.callback_data else ""
    if action == "":
        return await show_profile(update, context)
    if action == "e":
        return await edit(update, context)
    handler, valid_at = BUTTONS.get(action, (None, ()))
    if handler is None or context.conversation.step not in valid_at:
        return await steps.stale(update, context)
    return await handler(update, context)


async def municipality_page(update: Update, context: BotContext) -> StepResult:
    """Show another page of municipalities."""
    await ask_municipality(update, context, steps.page_of(context.callback_data))
    return None


async def municipality_chosen(update: Update, context: BotContext) -> StepResult:
    """Save the chosen municipality; show the profile."""
    try:
        profile = await registration.change_municipality(context.citizen.id, steps.id_of(context.callback_data) or 0)
    except InvalidValue:
        return await steps.stale(update, context)
    return await _saved(update, context, profile)


async def role_chosen(update: Update, context: BotContext) -> StepResult:
    """Resident: save and show the profile. Professional: ask the organisation."""
    role = context.callback_data.rsplit(":", 1)[-1]
    if role == Role.RESIDENT:
        return await _saved(update, context, await registration.change_role(context.citizen.id, Role.RESIDENT))
    if role != Role.PROFESSIONAL:
        return await steps.stale(update, context)
    await ask_organisation(update, context)
    return Step.ORGANISATION


async def remove_email(update: Update, context: BotContext) -> StepResult:
    """Remove the e-mail address; show the profile."""
    return await _saved(update, context, await registration.change_email(context.citizen.id, None))


async def back(update: Update, context: BotContext) -> StepResult:
    """Stop changing; show the profile as it is."""
    context.conversation.after(END)
    await show_profile(update, context)
    return END


BUTTONS = {
    "mp": (municipality_page, (Step.MUNICIPALITY,)),
    "m": (municipality_chosen, (Step.MUNICIPALITY,)),
    "role": (role_chosen, (Step.ROLE,)),
    "noemail": (remove_email, (Step.EMAIL,)),
    "back": (back, tuple(Step)),
}


def register(router: Router) -> None:
    """Wire /profile, the menu entry and the edit questions."""
    router.command("profile", show_profile, N_("Your profile: view and change it"))
    router.menu_entry(10, N_("👤 My profile"), PREFIX)
    router.flow(FLOW, N_("your profile changes"), ask_again)
    router.callback(PREFIX, on_button)
    router.step(Step.NAME, got_name)
    router.step(Step.MUNICIPALITY, got_municipality)
    router.step(Step.ROLE, use_buttons)
    router.step(Step.ORGANISATION, got_organisation)
    router.step(Step.EMAIL, got_email)

