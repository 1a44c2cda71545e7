"""Privacy (AVG/GDPR): /privacy explains, /mydata sends everything stored, /deleteme erases it.

```mermaid
flowchart LR
    privacy["/privacy"] --> explained[what is stored and why + link to the privacy page]
    mydata["/mydata (priv:data)"] --> file[summary message + JSON file]
    deleteme["/deleteme (del:ask)"] --> choice{has initiatives?}
    choice -->|yes| how[withdraw them / keep them anonymously / cancel]
    choice -->|no| confirm[delete / cancel]
    how & confirm -->|confirmed| erased[personal data erased]
```
"""

from __future__ import annotations

from babel.dates import format_date
from telegram import InputFile, Update

from bot.engine import BotContext, Router, StepResult
from bot.i18n import N_, _
from bot.replies import button, esc, keyboard, link_button, send, show
from bot.services import privacy
from bot.services.errors import NotFound
from handlers.language import LANGUAGE_NAMES
from handlers.menu import main_menu

DATA = "priv"
DELETE = "del"


async def show_privacy(update: Update, context: BotContext) -> StepResult:
    """Explain what is stored and why, with the privacy page and the data buttons."""
    text = "\n".join([
        "<b>" + _("Your privacy") + "</b>",
        "",
        _("What we store, and why:"),
        "• " + _("your Telegram id, first name and language: to talk with you;"),
        "• " + _("your profile (public name, municipality, and if you give them your organisation and e-mail): "
                 "so others know who is behind an initiative and staff can reach you;"),
        "• " + _("your initiatives, updates, joins, follows and reports, and the messages we send you: "
                 "that is what the service is for;"),
        "• " + _("the answers you are still typing, so you can continue later."),
        "",
        _("Others only see your public name and municipality. We never sell or share your data, and none of it "
          "is written to our logs."),
        _("/mydata sends you everything we store about you; /deleteme erases it."),
    ])
    url = f"{context.settings.public_url}/privacy"
    await send(update, context, text, keyboard(
        [link_button(_("Privacy statement"), url)],
        [button("📦 " + _("My data"), f"{DATA}:data"), button("🗑 " + _("Delete my data"), f"{DELETE}:ask")]))
    return None


# --- /mydata ---------------------------------------------------------------------------------------

def summary(export: privacy.DataExport, locale: str) -> str:
    """A readable summary of the export (every value escaped)."""
    profile = export.profile
    counts = export.counts
    members = [row for row in export.document.get("memberships", []) if row.get("kind") == "join"]
    follows = [row for row in export.document.get("memberships", []) if row.get("kind") == "follow"]
    lines = ["<b>" + _("What we store about you") + "</b>", ""]
    lines.append(_("Telegram name: {name}", name=esc(profile.get("first_name") or "—")))
    lines.append(_("Language: {language}", language=LANGUAGE_NAMES.get(profile.get("language"), "—")))
    if profile.get("registered_at"):
        lines.append(_("Public name: {name}", name=esc(profile.get("public_name") or "—")))
        lines.append(_("Municipality: {name}", name=esc(export.municipality or "—")))
        if profile.get("organisation"):
            lines.append(_("Organisation: {name}", name=esc(profile["organisation"])))
        lines.append(_("E-mail: {email}", email=esc(profile.get("email") or "—")))
        lines.append(_("Profile made on: {date}", date=format_date(profile["registered_at"], "long", locale=locale)))
    else:
        lines.append(_("You have no profile."))
    lines += ["", _("Initiatives: {n}", n=counts.get("initiatives", 0)),
              _("Joined: {n} · Following: {n2}", n=len(members), n2=len(follows)),
              _("Updates written: {n}", n=counts.get("updates", 0)),
              _("Reports made: {n}", n=counts.get("reports", 0)),
              _("Messages sent to you by the bot's mailing system: {n}", n=counts.get("deliveries", 0))]
    lines += ["", _("The attached file contains all of it (JSON). /deleteme erases it.")]
    return "\n".join(lines)


async def send_my_data(update: Update, context: BotContext) -> StepResult:
    """Send a readable summary and a JSON file with everything stored about the citizen."""
    try:
        export = await privacy.export(context.citizen.id)
    except NotFound:
        return None
    await send(update, context, summary(export, context.locale))
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_document(chat.id, InputFile(export.to_json(), filename="my-data.json"),
                                    caption=_("Everything we store about you"))
    return None


# --- /deleteme -------------------------------------------------------------------------------------

async def ask_delete(update: Update, context: BotContext) -> StepResult:
    """Explain what erasing means; with initiatives, ask whether to withdraw them or keep them anonymously."""
    count = await privacy.count_initiatives(context.citizen.id)
    text = [_("<b>Delete your data?</b>"), "",
            _("Your profile, your joins and follows, your preferences, your reports and the messages waiting for "
              "you are erased. This cannot be undone.")]
    if count:
        text += ["", _("What should happen to your initiatives? Withdrawn: they disappear from the platform. "
                       "Kept anonymously: they stay, without your name, and nobody can change them any more.")]
        rows = [[button(_("Delete, and withdraw my initiatives"), f"{DELETE}:w")],
                [button(_("Delete, keep my initiatives anonymously"), f"{DELETE}:k")]]
    else:
        rows = [[button(_("Yes, delete my data"), f"{DELETE}:w")]]
    await show(update, context, "\n".join(text), keyboard(*rows, [button(_("No, keep my data"), f"{DELETE}:no")]))
    return None


async def on_delete_button(update: Update, context: BotContext) -> StepResult:
    """Erase after the confirming press (w: withdraw, k: keep anonymously); 'no' keeps everything."""
    choice = context.callback_data.partition(":")[2]
    if choice == "ask":
        return await ask_delete(update, context)
    if choice not in ("w", "k"):
        await show(update, context, _("Nothing was deleted.") + " " + _("What would you like to do?"),
                   main_menu(context))
        return None
    try:
        await privacy.erase(context.citizen.id, keep_initiatives=choice == "k", is_staff=context.citizen.is_staff)
    except NotFound:
        context.notice = _("Your data was already erased.")
        return None
    await show(update, context, "✅ " + _("Your data is erased. Thank you for taking part. If you write to me "
                                         "again, you start afresh."))
    return None


async def on_data_button(update: Update, context: BotContext) -> StepResult:
    """The 'My data' button under /privacy."""
    return await send_my_data(update, context)


def register(router: Router) -> None:
    """Wire /privacy, /mydata, /deleteme and their buttons."""
    router.command("privacy", show_privacy, N_("What we store about you, and why"))
    router.command("mydata", send_my_data, N_("Get everything we store about you"))
    router.command("deleteme", ask_delete, N_("Erase your data"))
    router.callback(DATA, on_data_button)
    router.callback(DELETE, on_delete_button)
