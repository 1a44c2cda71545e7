"""A citizen's choices about what reaches them: announcements on or off, and about which themes.

Announcement themes are `ThemePreference` rows of kind "announcements". No rows means every
theme (the default, so nobody misses anything before choosing); rows mean only those themes.
Announcements to everyone (not about one theme) arrive whenever announcements are on.

Opting out counts at once: the citizen's pending deliveries of announcements they no longer
want are cancelled in the same call, so an announcement already under way skips them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import outbox
from bot.services.errors import NotFound
from models.citizen import Citizen, ThemePreference
from models.region import Theme

ANNOUNCEMENTS = "announcements"


@dataclass(frozen=True)
class AnnouncementChoice:
    """Whether a citizen receives announcements, and about which themes (empty: all of them)."""

    receive: bool
    theme_ids: frozenset[int]

    @property
    def all_themes(self) -> bool:
        """No theme chosen: announcements about every theme arrive."""
        return not self.theme_ids


@dataclass(frozen=True)
class ThemeInfo:
    """A theme as handlers show it."""

    id: int
    slug: str
    name: str


def wants(theme_ids: frozenset[int] | set[int], audience: dict) -> bool:
    """Whether a citizen with these announcement themes wants an announcement sent to `audience`."""
    if audience.get("kind") != "theme" or not theme_ids:
        return True
    return audience.get("id") in theme_ids


async def themes(locale: str) -> list[ThemeInfo]:
    """Every theme, in the seed's order, named in `locale`."""
    return [ThemeInfo(theme.id, theme.slug, theme.name(locale)) for theme in await Theme.all()]


async def announcement_choice(citizen_id: int) -> AnnouncementChoice:
    """The citizen's current choice."""
    receive = await Citizen.filter(id=citizen_id).first().values_list("receive_announcements", flat=True)
    if receive is None:
        raise NotFound("citizen")
    theme_ids = await ThemePreference.filter(citizen_id=citizen_id, kind=ANNOUNCEMENTS).values_list(
        "theme_id", flat=True)
    return AnnouncementChoice(bool(receive), frozenset(theme_ids))


async def set_receive_announcements(citizen_id: int, receive: bool) -> AnnouncementChoice:
    """Switch announcements on or off; off cancels the citizen's pending announcements at once."""
    await Citizen.filter(id=citizen_id).update(receive_announcements=receive)
    if not receive:
        await outbox.cancel_pending_announcements(citizen_id)
    return await announcement_choice(citizen_id)


async def toggle_theme(citizen_id: int, theme_id: int) -> AnnouncementChoice:
    """Add a theme to the citizen's announcement themes, or remove it (the last one removed: all themes).

    Choosing a first theme while "all themes" applies means "only this theme".
    """
    if not await Theme.filter(id=theme_id).exists():
        raise NotFound("theme")
    existing = ThemePreference.filter(citizen_id=citizen_id, theme_id=theme_id, kind=ANNOUNCEMENTS)
    if await existing.exists():
        await existing.delete()
    else:
        await ThemePreference.get_or_create(citizen_id=citizen_id, theme_id=theme_id, kind=ANNOUNCEMENTS)
    choice = await announcement_choice(citizen_id)
    await outbox.cancel_pending_announcements(citizen_id, keep=lambda audience: wants(choice.theme_ids, audience))
    return choice


async def choose_all_themes(citizen_id: int) -> AnnouncementChoice:
    """Announcements about every theme again."""
    await ThemePreference.filter(citizen_id=citizen_id, kind=ANNOUNCEMENTS).delete()
    return await announcement_choice(citizen_id)
