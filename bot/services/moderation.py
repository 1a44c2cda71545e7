"""Moderation: the staff queue, decisions on initiatives, reports, hiding, blocking, verifying.

Every function that acts as staff takes the acting citizen and refuses (with an audit entry)
when they are not staff; every decision is written to the audit log with who, what and why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError

from bot.services import audit
from bot.services.citizens import CitizenInfo
from bot.services.errors import InvalidValue, NotFound
from models.citizen import Citizen, Role
from models.initiative import Initiative, InitiativeUpdate, Report, Status
from models.region import Municipality, Theme

log = logging.getLogger(__name__)

REASON_LIMIT = 1000
NOTE_LIMIT = 500
ORGANISATION_LIMIT = 128
HIDE_AFTER_REPORTS = 3  # reports from different people hide the content until staff decide (as Decidim)
REPORT_REASONS = ("spam", "offensive", "off_topic")
EDITABLE_FIELDS = ("title", "description", "audience", "help_needed", "budget_cents", "photo_file_id",
                   "theme_id", "municipality_id")


class Target(StrEnum):
    """What can be reported and hidden."""

    INITIATIVE = "initiative"
    UPDATE = "update"


class Action(StrEnum):
    """Staff decisions (the audit log's action names)."""

    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    HIDE = "hide"
    UNHIDE = "unhide"
    AUTO_HIDE = "auto_hide"
    BLOCK = "block"
    UNBLOCK = "unblock"
    VERIFY = "verify_professional"
    UNVERIFY = "unverify_professional"


@dataclass(frozen=True)
class Submission:
    """An initiative as staff review it (with the proposed changes of an edit, if any)."""

    id: int
    title: str
    description: str
    audience: str | None
    help_needed: list[str]
    budget_cents: int | None
    theme_nl: str | None
    theme_en: str | None
    municipality: str | None
    initiator_id: int | None
    initiator_name: str | None
    status: Status
    status_reason: str | None
    hidden: bool
    submitted_at: datetime | None
    changes: dict[str, Any] | None  # a published initiative's edit waiting for approval

    def theme(self, locale: str) -> str | None:
        """The theme's name in `locale`."""
        return self.theme_en if locale == "en" else self.theme_nl

    @property
    def is_edit(self) -> bool:
        """Whether staff are asked about changes to a published initiative."""
        return self.status == Status.PUBLISHED and bool(self.changes)


@dataclass(frozen=True)
class Decision:
    """What a staff decision did, and whom to tell."""

    initiative_id: int
    title: str
    action: Action
    was_edit: bool
    reason: str | None
    initiator_telegram_id: int | None
    initiator_language: str | None


@dataclass(frozen=True)
class QueueItem:
    """Something waiting for staff: a new initiative, an edit, or reported content."""

    kind: str  # "new" | "edit" | "reported"
    target: Target
    target_id: int
    title: str
    since: datetime
    reports: int = 0
    hidden: bool = False


@dataclass(frozen=True)
class ReportOutcome:
    """A report was stored; `hidden_now` when it was the one that hid the content."""

    target: Target
    target_id: int
    title: str
    reason: str
    note: str | None
    reports: int
    hidden_now: bool
    hidden: bool
    author_id: int | None


@dataclass(frozen=True)
class CitizenOutcome:
    """A staff action on a citizen (block, verify), and how to tell them."""

    citizen_id: int
    telegram_id: int
    language: str
    name: str
    action: Action
    organisation: str | None = None


# --- helpers ---------------------------------------------------------------------------------------


async def _require_staff(actor: CitizenInfo, action: str, target: str | None = None,
                         target_id: int | None = None) -> None:
    if not actor.is_staff:
        raise await audit.refuse(actor, action, target, target_id)


def clean_reason(reason: str | None, *, required: bool = True, limit: int = REASON_LIMIT) -> str | None:
    """A reason or note: stripped; InvalidValue('empty') / ('too_long', limit)."""
    text = (reason or "").strip()
    if not text:
        if required:
            raise InvalidValue("empty")
        return None
    if len(text) > limit:
        raise InvalidValue("too_long", limit)
    return text


async def _initiative(initiative_id: int) -> Initiative:
    initiative = await Initiative.get_or_none(id=initiative_id).prefetch_related("initiator")
    if initiative is None:
        raise NotFound("initiative")
    return initiative


def _decision(initiative: Initiative, action: Action, was_edit: bool, reason: str | None) -> Decision:
    initiator = initiative.initiator
    return Decision(initiative.id, initiative.title, action, was_edit, reason,
                    initiator.telegram_id if initiator else None, initiator.language if initiator else None)


# --- the queue -------------------------------------------------------------------------------------


async def queue(actor: CitizenInfo, limit: int = 30) -> list[QueueItem]:
    """What waits for staff, oldest first: new initiatives, edits, and reported content."""
    await _require_staff(actor, "queue")
    items: list[QueueItem] = []
    for row in await Initiative.filter(status=Status.SUBMITTED).order_by("submitted_at", "id").limit(limit):
        items.append(QueueItem("new", Target.INITIATIVE, row.id, row.title, row.submitted_at or row.created_at))
    for row in await Initiative.filter(status=Status.PUBLISHED, pending_changes__not_isnull=True) \
            .order_by("updated_at").limit(limit):
        since = _parse_time((row.pending_changes or {}).get("since")) or row.updated_at
        items.append(QueueItem("edit", Target.INITIATIVE, row.id, row.title, since))
    reported: dict[tuple[str, int], list[Report]] = {}
    for report in await Report.filter(resolved=False).order_by("created_at", "id"):
        reported.setdefault((report.target_type, report.target_id), []).append(report)
    for (kind, target_id), reports in list(reported.items())[:limit]:
        title, hidden = await _target_title(Target(kind), target_id)
        if title is not None:
            items.append(QueueItem("reported", Target(kind), target_id, title, reports[0].created_at,
                                   len(reports), hidden))
    items.sort(key=lambda item: item.since)
    return items[:limit]


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


async def _target_title(target: Target, target_id: int) -> tuple[str | None, bool]:
    """A short title for reported content and whether it is hidden (None: it no longer exists)."""
    if target == Target.INITIATIVE:
        initiative = await Initiative.get_or_none(id=target_id)
        return (initiative.title, initiative.hidden) if initiative else (None, False)
    update = await InitiativeUpdate.get_or_none(id=target_id)
    return (update.text[:80], update.hidden) if update else (None, False)


async def submission(actor: CitizenInfo, initiative_id: int) -> Submission:
    """An initiative as staff review it."""
    await _require_staff(actor, "review", Target.INITIATIVE, initiative_id)
    return await submission_for_notice(initiative_id)


async def submission_for_notice(initiative_id: int) -> Submission:
    """An initiative as staff review it, for the notice sent to staff when it is submitted."""
    initiative = await Initiative.get_or_none(id=initiative_id).prefetch_related("theme", "municipality")
    if initiative is None:
        raise NotFound("initiative")
    theme, municipality = initiative.theme, initiative.municipality
    return Submission(
        id=initiative.id, title=initiative.title, description=initiative.description,
        audience=initiative.audience, help_needed=list(initiative.help_needed or []),
        budget_cents=initiative.budget_cents,
        theme_nl=theme.name_nl if theme else None, theme_en=theme.name_en if theme else None,
        municipality=municipality.name if municipality else None,
        initiator_id=initiative.initiator_id, initiator_name=initiative.initiator_name,
        status=initiative.status, status_reason=initiative.status_reason, hidden=initiative.hidden,
        submitted_at=initiative.submitted_at,
        changes=await _readable_changes((initiative.pending_changes or {}).get("fields", {})) or None,
    )


async def _readable_changes(fields: dict[str, Any]) -> dict[str, Any]:
    """Proposed changes with a theme and a municipality by name instead of id ('theme': (nl, en))."""
    changes = {key: value for key, value in fields.items() if key in EDITABLE_FIELDS}
    if "theme_id" in changes:
        theme = await Theme.get_or_none(id=changes.pop("theme_id") or 0)
        changes["theme"] = (theme.name_nl, theme.name_en) if theme else None
    if "municipality_id" in changes:
        place = await Municipality.get_or_none(id=changes.pop("municipality_id") or 0)
        changes["municipality"] = place.name if place else None
    return changes


async def has_pending_edit(initiative_id: int) -> bool:
    """Whether a published initiative has an edit waiting for staff (to tell staff only once)."""
    return await Initiative.filter(id=initiative_id, pending_changes__not_isnull=True).exists()


# --- decisions on initiatives ----------------------------------------------------------------------


async def approve(actor: CitizenInfo, initiative_id: int) -> Decision:
    """Publish a submitted initiative, or apply a published initiative's edit."""
    await _require_staff(actor, Action.APPROVE, Target.INITIATIVE, initiative_id)
    initiative = await _initiative(initiative_id)
    now = datetime.now(UTC)
    if initiative.status == Status.SUBMITTED:
        changed = await Initiative.filter(id=initiative_id, status=Status.SUBMITTED).update(
            status=Status.PUBLISHED, status_reason=None, published_at=initiative.published_at or now)
        was_edit = False
    elif initiative.status == Status.PUBLISHED and initiative.pending_changes:
        fields = {k: v for k, v in initiative.pending_changes.get("fields", {}).items() if k in EDITABLE_FIELDS}
        changed = await Initiative.filter(id=initiative_id, pending_changes__not_isnull=True).update(
            pending_changes=None, **fields)
        initiative.title = fields.get("title", initiative.title)
        was_edit = True
    else:
        changed = 0
    if not changed:
        raise InvalidValue("already_decided")
    await audit.record(actor.telegram_id, Action.APPROVE, Target.INITIATIVE, initiative_id,
                       "edit" if was_edit else None)
    return _decision(initiative, Action.APPROVE, was_edit, None)


async def request_changes(actor: CitizenInfo, initiative_id: int, reason: str) -> Decision:
    """Send a submitted initiative (or an edit) back to its initiator with a reason."""
    return await _send_back(actor, initiative_id, reason, Action.REQUEST_CHANGES, Status.CHANGES_REQUESTED)


async def reject(actor: CitizenInfo, initiative_id: int, reason: str) -> Decision:
    """Reject a submitted initiative (or an edit: the published version stays) with a reason."""
    return await _send_back(actor, initiative_id, reason, Action.REJECT, Status.REJECTED)


async def _send_back(actor: CitizenInfo, initiative_id: int, reason: str, action: Action,
                     status: Status) -> Decision:
    await _require_staff(actor, action, Target.INITIATIVE, initiative_id)
    text = clean_reason(reason)
    initiative = await _initiative(initiative_id)
    if initiative.status == Status.SUBMITTED:
        changed = await Initiative.filter(id=initiative_id, status=Status.SUBMITTED).update(
            status=status, status_reason=text)
        was_edit = False
    elif initiative.status == Status.PUBLISHED and initiative.pending_changes:
        changed = await Initiative.filter(id=initiative_id, pending_changes__not_isnull=True).update(
            pending_changes=None)
        was_edit = True
    else:
        changed = 0
    if not changed:
        raise InvalidValue("already_decided")
    await audit.record(actor.telegram_id, action, Target.INITIATIVE, initiative_id, text)
    return _decision(initiative, action, was_edit, text)


# --- reports and hiding ----------------------------------------------------------------------------


async def report(reporter: CitizenInfo, target: Target, target_id: int, reason: str,
                 note: str | None = None) -> ReportOutcome:
    """Store a report; the third one from different people hides the content until staff decide."""
    if reason not in REPORT_REASONS:
        raise InvalidValue("reason")
    note = clean_reason(note, required=False, limit=NOTE_LIMIT)
    title, author_id, hidden = await _reportable(target, target_id)
    if author_id is not None and author_id == reporter.id:
        raise InvalidValue("own_content")
    if await Report.exists(target_type=target, target_id=target_id, reporter_id=reporter.id):
        raise InvalidValue("already_reported")
    try:
        await Report.create(target_type=target, target_id=target_id, reporter_id=reporter.id,
                            reason=reason, note=note)
    except IntegrityError as error:
        raise InvalidValue("already_reported") from error
    count = await Report.filter(target_type=target, target_id=target_id, resolved=False).count()
    hidden_now = False
    if count >= HIDE_AFTER_REPORTS and not hidden:
        model = Initiative if target == Target.INITIATIVE else InitiativeUpdate
        hidden_now = await model.filter(id=target_id, hidden=False).update(hidden=True) > 0
        if hidden_now:
            await audit.record(None, Action.AUTO_HIDE, target, target_id,
                               f"{count} reports from different people")
    return ReportOutcome(target, target_id, title, reason, note, count, hidden_now, hidden or hidden_now,
                         author_id)


async def reportable(reporter: CitizenInfo, target: Target, target_id: int) -> str:
    """The title of content the citizen may report; NotFound / InvalidValue('own_content' | 'already_reported')."""
    title, author_id, _hidden = await _reportable(target, target_id)
    if author_id is not None and author_id == reporter.id:
        raise InvalidValue("own_content")
    if await Report.exists(target_type=target, target_id=target_id, reporter_id=reporter.id):
        raise InvalidValue("already_reported")
    return title


async def _reportable(target: Target, target_id: int) -> tuple[str, int | None, bool]:
    """(title, author citizen id, hidden) of published content; NotFound otherwise."""
    if target == Target.INITIATIVE:
        initiative = await Initiative.get_or_none(id=target_id)
        if initiative is None or initiative.status != Status.PUBLISHED:
            raise NotFound("initiative")
        return initiative.title, initiative.initiator_id, initiative.hidden
    update = await InitiativeUpdate.get_or_none(id=target_id).prefetch_related("initiative")
    if update is None or update.initiative.status != Status.PUBLISHED:
        raise NotFound("update")
    return update.text[:80], update.author_id, update.hidden


async def reports_on(actor: CitizenInfo, target: Target, target_id: int) -> list[tuple[str, str | None]]:
    """The unresolved reports on some content: (reason, note), oldest first (staff only)."""
    await _require_staff(actor, "review", target, target_id)
    return [(r.reason, r.note) for r in
            await Report.filter(target_type=target, target_id=target_id, resolved=False).order_by("created_at")]


async def content_of(actor: CitizenInfo, target: Target, target_id: int) -> tuple[str, int | None, bool]:
    """(text, author citizen id, hidden) of reportable content, for staff."""
    await _require_staff(actor, "review", target, target_id)
    if target == Target.INITIATIVE:
        initiative = await Initiative.get_or_none(id=target_id)
        if initiative is None:
            raise NotFound(target)
        return f"{initiative.title}\n\n{initiative.description}", initiative.initiator_id, initiative.hidden
    update = await InitiativeUpdate.get_or_none(id=target_id)
    if update is None:
        raise NotFound(target)
    return update.text, update.author_id, update.hidden


async def set_hidden(actor: CitizenInfo, target: Target, target_id: int, hidden: bool,
                     reason: str | None = None) -> str:
    """Hide or show content (the reports on it are then resolved); return its title."""
    action = Action.HIDE if hidden else Action.UNHIDE
    await _require_staff(actor, action, target, target_id)
    text = clean_reason(reason, required=False)
    title, _exists = await _target_title(target, target_id)
    if title is None:
        raise NotFound(target)
    model = Initiative if target == Target.INITIATIVE else InitiativeUpdate
    await model.filter(id=target_id).update(hidden=hidden)
    await Report.filter(target_type=target, target_id=target_id, resolved=False).update(resolved=True)
    await audit.record(actor.telegram_id, action, target, target_id, text)
    return title


# --- citizens: block, verify -----------------------------------------------------------------------


async def _citizen(citizen_id: int) -> Citizen:
    citizen = await Citizen.get_or_none(id=citizen_id)
    if citizen is None:
        raise NotFound("citizen")
    return citizen


@dataclass(frozen=True)
class CitizenSummary:
    """A citizen as staff see them before blocking or verifying."""

    id: int
    name: str
    registered: bool
    blocked: bool
    verified: bool
    organisation: str | None


async def citizen_summary(actor: CitizenInfo, citizen_id: int) -> CitizenSummary:
    """Who a citizen id is (staff only)."""
    await _require_staff(actor, "lookup", "citizen", citizen_id)
    citizen = await _citizen(citizen_id)
    return CitizenSummary(citizen.id, citizen.public_name or citizen.first_name, citizen.registered_at is not None,
                          citizen.blocked_by_staff, citizen.verified_professional, citizen.organisation)


def _outcome(citizen: Citizen, action: Action, organisation: str | None = None) -> CitizenOutcome:
    return CitizenOutcome(citizen.id, citizen.telegram_id, citizen.language,
                          citizen.public_name or citizen.first_name, action, organisation)


async def set_blocked(actor: CitizenInfo, citizen_id: int, blocked: bool, staff_ids: frozenset[int],
                      reason: str | None = None) -> CitizenOutcome:
    """Block (a reason is required) or unblock a citizen; staff cannot be blocked."""
    action = Action.BLOCK if blocked else Action.UNBLOCK
    await _require_staff(actor, action, "citizen", citizen_id)
    text = clean_reason(reason, required=blocked)
    citizen = await _citizen(citizen_id)
    if blocked and citizen.telegram_id in staff_ids:
        raise InvalidValue("staff")
    await Citizen.filter(id=citizen_id).update(blocked_by_staff=blocked, blocked_notified=False)
    await audit.record(actor.telegram_id, action, "citizen", citizen_id, text)
    return _outcome(citizen, action)


async def set_verified(actor: CitizenInfo, citizen_id: int, organisation: str | None) -> CitizenOutcome:
    """Mark a registered citizen as a verified professional of `organisation` (None: take it back)."""
    action = Action.VERIFY if organisation is not None else Action.UNVERIFY
    await _require_staff(actor, action, "citizen", citizen_id)
    citizen = await _citizen(citizen_id)
    if organisation is None:
        await Citizen.filter(id=citizen_id).update(verified_professional=False)
        await audit.record(actor.telegram_id, action, "citizen", citizen_id)
        return _outcome(citizen, action, citizen.organisation)
    name = clean_reason(organisation, limit=ORGANISATION_LIMIT)
    if citizen.registered_at is None:
        raise InvalidValue("not_registered")
    await Citizen.filter(id=citizen_id).update(verified_professional=True, role=Role.PROFESSIONAL,
                                               organisation=name)
    await audit.record(actor.telegram_id, action, "citizen", citizen_id, name)
    return _outcome(citizen, action, name)


async def staff_languages(staff_ids: frozenset[int], default: str) -> dict[int, str]:
    """The language of each staff member (the default for one who never wrote to the bot)."""
    known = dict(await Citizen.filter(telegram_id__in=list(staff_ids)).values_list("telegram_id", "language"))
    return {staff_id: known.get(staff_id, default) for staff_id in sorted(staff_ids)}
