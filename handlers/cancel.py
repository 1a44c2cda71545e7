"""/cancel: leave whatever flow the citizen is in; answers are kept unless they discard them.

```mermaid
flowchart LR
    cancel["/cancel"] -->|in a flow| parked[flow parked: Continue / Discard / Menu]
    cancel -->|no flow| nothing[nothing to cancel + menu]
    parked -->|Continue| resumed[the flow's question again]
    parked -->|Discard| gone[answers removed + menu]
```
"""

from __future__ import annotations

from telegram import Update

from bot.engine import BotContext, Router, StepResult
from bot.i18n import N_, _
from bot.replies import button, keyboard, send, show
from handlers.menu import MENU, main_menu

CANCEL = "cancel"
RESUME = "resume"
DISCARD = "discard"


async def cancel(update: Update, context: BotContext) -> StepResult:
    """Park the current flow and offer to continue or discard it."""
    flow = context.conversation.park()
    if flow is None:
        await send(update, context, _("There is nothing to cancel.") + " " + _("What would you like to do?"),
                   main_menu(context))
        return None
    info = context.bot_data.router.flows.get(flow)
    label = _(info.label) if info else flow
    await send(update, context,
               _("Stopped. Your answers for {what} are kept: you can continue later.", what=label),
               keyboard([button(_("Continue"), f"{CANCEL}:{RESUME}:{flow}"),
                         button(_("Discard my answers"), f"{CANCEL}:{DISCARD}:{flow}")],
                        [button(_("Main menu"), MENU)]))
    return None


async def after_cancel(update: Update, context: BotContext) -> StepResult:
    """Resume a parked flow (asking its question again) or discard its answers."""
    _prefix, action, flow = (context.callback_data + "::").split(":")[:3]
    info = context.bot_data.router.flows.get(flow)
    if action == RESUME and info and context.conversation.resume(flow):
        await info.ask(update, context)
        return None
    if action == DISCARD and info and info.discard and flow in context.conversation.parked:
        await info.discard(update, context)
    if action == DISCARD and context.conversation.discard(flow):
        await show(update, context, _("Your answers are discarded.") + " " + _("What would you like to do?"),
                   main_menu(context))
        return None
    context.notice = _("There is nothing to continue.")
    await show(update, context, _("What would you like to do?"), main_menu(context))
    return None


def register(router: Router) -> None:
    """Wire /cancel and its buttons."""
    router.command("cancel", cancel, N_("Stop what you are doing (your answers are kept)"))
    router.callback(CANCEL, after_cancel)
