"""The durable outbox (DESIGN.md decision 5): everything sent to many people is queued here first.

`enqueue` turns a message for many into one `OutboxMessage` and one `Delivery` row per reachable
recipient, in one transaction, before anything is sent. The sender (bot/delivery.py) is the only
reader of the pending rows: it asks for the ones that are due (`due`), checks each again right
before sending it (`skip_reasons`), and records what became of it (`record`). Staff follow an
announcement through `progress` and stop it with `cancel`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise import connections
from tortoise.expressions import F, Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from models.citizen import Citizen
from models.delivery import Delivery, DeliveryStatus, OutboxKind, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

CHUNK = 500  # ids per IN (...) list: far below SQLite's limit on query parameters
ERROR_LIMIT = 300  # Delivery.last_error length
NOTIFY_CHANNEL = "outbox_pending"  # PostgreSQL NOTIFY channel that wakes the sender in another process
ACTIVE = (OutboxStatus.QUEUED, OutboxStatus.SENDING)

# Opt-out reasons recorded on a delivery that is not sent (Delivery.last_error)
OPTED_OUT = "opted out"
UNREACHABLE = "unreachable"
BLOCKED_BY_STAFF = "blocked by staff"
MESSAGE_CANCELLED = "cancelled"

_wakeups: set[Callable[[], None]] = set()  # in-process senders to wake when rows are queued (empty at import)


def on_enqueue(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` after every enqueue in this process; return a function that stops it."""
    _wakeups.add(callback)
    return lambda: _wakeups.discard(callback)


def _chunks(values: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start: start + CHUNK]


def _is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


async def enqueue(kind: OutboxKind, texts: dict[int, str], *, author_id: int | None = None,
                  photo_file_id: str | None = None, audience: dict | None = None,
                  paid_broadcast: bool = False) -> int:
    """Queue one message for many citizens; return the OutboxMessage id.

    `texts` maps citizen id -> that recipient's HTML text (localized and escaped already).
    Unreachable citizens, citizens blocked by staff and (for announcements) citizens who opted
    out of announcements get no delivery row. The sender delivers the rest.
    """
    wanted = sorted(texts)
    recipients: list[tuple[int, int]] = []
    for chunk in _chunks(wanted):
        query = Citizen.filter(id__in=chunk, reachable=True, blocked_by_staff=False)
        if kind == OutboxKind.ANNOUNCEMENT:
            query = query.filter(receive_announcements=True)
        recipients.extend(await query.order_by("id").values_list("id", "telegram_id"))
    common = Counter(texts[citizen_id] for citizen_id, _chat in recipients).most_common(1)
    shared_text = common[0][0] if common else next(iter(texts.values()), "")
    async with in_transaction():
        message = await OutboxMessage.create(
            kind=kind, author_id=author_id, audience=audience or {}, text=shared_text,
            photo_file_id=photo_file_id, paid_broadcast=paid_broadcast,
            status=OutboxStatus.QUEUED if recipients else OutboxStatus.DONE,
            finished_at=None if recipients else datetime.now(UTC))
        await Delivery.bulk_create(
            [Delivery(message_id=message.id, citizen_id=citizen_id, chat_id=chat_id,
                      text=None if texts[citizen_id] == shared_text else texts[citizen_id])
             for citizen_id, chat_id in recipients],
            batch_size=CHUNK)
    log.info("queued %s #%s for %d of %d recipients", kind, message.id, len(recipients), len(texts))
    if recipients:
        await _notify()
    return message.id


async def _notify() -> None:
    """Wake the sender: in this process at once, in another one through PostgreSQL NOTIFY."""
    for wake in list(_wakeups):
        wake()
    if _is_postgres():
        try:
            await connections.get("default").execute_script(f"NOTIFY {NOTIFY_CHANNEL}")
        except Exception as error:  # the sender also polls: a lost wake-up only costs a second
            log.warning("NOTIFY failed: %s", type(error).__name__)


# --- the sender's side -------------------------------------------------------------------------

@dataclass(frozen=True)
class DueDelivery:
    """A pending delivery, with everything needed to send it."""

    id: int
    message_id: int
    citizen_id: int
    chat_id: int
    text: str
    photo_file_id: str | None
    paid: bool
    kind: OutboxKind
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What became of one send: SENT, BLOCKED, FAILED, CANCELLED, or PENDING again (retry at `retry_at`)."""

    delivery_id: int
    citizen_id: int
    status: DeliveryStatus
    error: str | None = None
    retry_at: datetime | None = None


@dataclass
class _MessageInfo:
    text: str
    photo_file_id: str | None
    paid: bool
    kind: OutboxKind


async def due(after_id: int = 0, limit: int = 500, now: datetime | None = None) -> list[DueDelivery]:
    """Pending deliveries of active messages that may be sent now, oldest first, with id > after_id."""
    now = now or datetime.now(UTC)
    rows = await (Delivery.filter(id__gt=after_id, status=DeliveryStatus.PENDING, message__status__in=ACTIVE)
                  .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                  .order_by("id").limit(limit)
                  .values("id", "message_id", "citizen_id", "chat_id", "text", "attempts"))
    message_ids = {row["message_id"] for row in rows}
    messages = {
        row["id"]: _MessageInfo(row["text"], row["photo_file_id"], row["paid_broadcast"], OutboxKind(row["kind"]))
        for row in await OutboxMessage.filter(id__in=message_ids).values(
            "id", "text", "photo_file_id", "paid_broadcast", "kind")
    }
    result = []
    for row in rows:
        info = messages[row["message_id"]]
        result.append(DueDelivery(row["id"], row["message_id"], row["citizen_id"], row["chat_id"],
                                  row["text"] if row["text"] is not None else info.text, info.photo_file_id,
                                  info.paid, info.kind, row["attempts"]))
    return result


async def skip_reasons(delivery_ids: list[int]) -> dict[int, Outcome | None]:
    """Check deliveries right before they are sent: None to send one, else the outcome to record instead.

    This is what makes an opt-out, a block or a cancelled announcement count at once, even for an
    announcement already under way. One query for the whole batch.
    """
    found: dict[int, Outcome | None] = {
        delivery_id: Outcome(delivery_id, 0, DeliveryStatus.CANCELLED, MESSAGE_CANCELLED)  # gone meanwhile
        for delivery_id in delivery_ids}
    for chunk in _chunks(sorted(set(delivery_ids))):
        rows = await Delivery.filter(id__in=chunk).values_list(
            "id", "status", "citizen_id", "citizen__reachable", "citizen__blocked_by_staff",
            "citizen__receive_announcements", "message__status", "message__kind")
        for delivery_id, status, citizen_id, reachable, blocked, receives, message_status, kind in rows:
            found[delivery_id] = _skip(delivery_id, citizen_id, status == DeliveryStatus.PENDING
                                       and message_status in ACTIVE, reachable, blocked,
                                       kind == OutboxKind.ANNOUNCEMENT and not receives)
    return found


def _skip(delivery_id: int, citizen_id: int, active: bool, reachable: bool, blocked: bool,
          opted_out: bool) -> Outcome | None:
    if not active:
        return Outcome(delivery_id, citizen_id, DeliveryStatus.CANCELLED, MESSAGE_CANCELLED)
    if not reachable:
        return Outcome(delivery_id, citizen_id, DeliveryStatus.BLOCKED, UNREACHABLE)
    if blocked:
        return Outcome(delivery_id, citizen_id, DeliveryStatus.CANCELLED, BLOCKED_BY_STAFF)
    if opted_out:
        return Outcome(delivery_id, citizen_id, DeliveryStatus.CANCELLED, OPTED_OUT)
    return None


async def record(outcomes: list[Outcome], now: datetime | None = None) -> None:
    """Store what became of a batch of sends, atomically; 403 makes the citizen unreachable."""
    if not outcomes:
        return
    now = now or datetime.now(UTC)
    writes: list[Any] = []
    sent = [o.delivery_id for o in outcomes if o.status == DeliveryStatus.SENT]
    for chunk in _chunks(sent):
        writes.append(Delivery.filter(id__in=chunk).update(
            status=DeliveryStatus.SENT, sent_at=now, attempts=F("attempts") + 1, next_attempt_at=None))
    unreachable = sorted({o.citizen_id for o in outcomes
                          if o.status == DeliveryStatus.BLOCKED and o.error != UNREACHABLE})
    for chunk in _chunks(unreachable):
        writes.append(Citizen.filter(id__in=chunk).update(reachable=False))
    for outcome in outcomes:
        if outcome.status == DeliveryStatus.SENT:
            continue
        tried = 0 if outcome.error in (UNREACHABLE, OPTED_OUT, BLOCKED_BY_STAFF, MESSAGE_CANCELLED) else 1
        changes: dict[str, Any] = {"attempts": F("attempts") + tried,
                                   "last_error": (outcome.error or "")[:ERROR_LIMIT] or None,
                                   "next_attempt_at": outcome.retry_at}
        if outcome.status != DeliveryStatus.PENDING:
            changes["status"] = outcome.status
        writes.append(Delivery.filter(id=outcome.delivery_id, status=DeliveryStatus.PENDING).update(**changes))
    if len(writes) == 1:  # one statement is atomic by itself (the common case: a batch of sent ones)
        await writes[0]
        return
    async with in_transaction():
        for write in writes:
            await write


# --- progress, completion, cancelling ----------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    """Where an outbox message stands: counts per delivery status."""

    message_id: int
    kind: OutboxKind
    status: OutboxStatus
    author_id: int | None
    author_language: str | None
    progress_chat_id: int | None
    progress_message_id: int | None
    audience: dict = field(default_factory=dict)
    pending: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        """Every recipient the message was queued for."""
        return self.pending + self.sent + self.blocked + self.failed + self.cancelled

    @property
    def finished(self) -> bool:
        """Whether nothing more will be sent."""
        return self.status in (OutboxStatus.DONE, OutboxStatus.CANCELLED)


async def progress(message_id: int) -> Progress | None:
    """The counts of one outbox message (None if it does not exist)."""
    found = await progress_of([message_id])
    return found[0] if found else None


async def progress_of(message_ids: list[int]) -> list[Progress]:
    """The counts of several outbox messages, in id order."""
    messages = await OutboxMessage.filter(id__in=message_ids).order_by("id").values(
        "id", "kind", "status", "author_id", "author__language", "progress_chat_id", "progress_message_id",
        "audience")
    counts: dict[int, dict[str, int]] = {}
    rows = await (Delivery.filter(message_id__in=message_ids).group_by("message_id", "status")
                  .annotate(n=Count("id")).values("message_id", "status", "n"))
    for row in rows:
        counts.setdefault(row["message_id"], {})[str(row["status"])] = row["n"]
    result = []
    for message in messages:
        mine = counts.get(message["id"], {})
        result.append(Progress(
            message["id"], OutboxKind(message["kind"]), OutboxStatus(message["status"]), message["author_id"],
            message["author__language"], message["progress_chat_id"], message["progress_message_id"],
            message["audience"] or {},
            pending=mine.get(DeliveryStatus.PENDING, 0), sent=mine.get(DeliveryStatus.SENT, 0),
            blocked=mine.get(DeliveryStatus.BLOCKED, 0), failed=mine.get(DeliveryStatus.FAILED, 0),
            cancelled=mine.get(DeliveryStatus.CANCELLED, 0)))
    return result


async def active_message_ids() -> list[int]:
    """Outbox messages still being delivered, oldest first."""
    return list(await OutboxMessage.filter(status__in=ACTIVE).order_by("id").values_list("id", flat=True))


async def mark_sending(message_id: int) -> None:
    """Note that delivery of a queued message has begun."""
    await OutboxMessage.filter(id=message_id, status=OutboxStatus.QUEUED).update(status=OutboxStatus.SENDING)


async def finish(message_id: int) -> bool:
    """Mark a message done when none of its deliveries is pending; return whether it was marked now."""
    if await Delivery.filter(message_id=message_id, status=DeliveryStatus.PENDING).exists():
        return False
    return await OutboxMessage.filter(id=message_id, status__in=ACTIVE).update(
        status=OutboxStatus.DONE, finished_at=datetime.now(UTC)) > 0


async def cancel(message_id: int) -> bool:
    """Stop an outbox message: its pending deliveries are cancelled; return whether it was running."""
    async with in_transaction():
        changed = await OutboxMessage.filter(id=message_id, status__in=ACTIVE).update(
            status=OutboxStatus.CANCELLED, finished_at=datetime.now(UTC))
        if changed:
            await Delivery.filter(message_id=message_id, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.CANCELLED, last_error=MESSAGE_CANCELLED)
    return changed > 0


async def attach_progress(message_id: int, chat_id: int, progress_message_id: int) -> Progress | None:
    """Remember the chat message the sender keeps up to date with the progress of `message_id`."""
    await OutboxMessage.filter(id=message_id).update(progress_chat_id=chat_id,
                                                     progress_message_id=progress_message_id)
    return await progress(message_id)


async def forget_progress(message_id: int) -> None:
    """Stop updating a progress message (it was deleted, or cannot be edited)."""
    await OutboxMessage.filter(id=message_id).update(progress_chat_id=None, progress_message_id=None)


async def cancel_pending_announcements(citizen_id: int, keep: Callable[[dict], bool] | None = None) -> int:
    """Cancel a citizen's pending announcement deliveries (those whose audience `keep` rejects, if given).

    Called when a citizen opts out, so that an announcement already under way skips them at once.
    """
    rows = await Delivery.filter(citizen_id=citizen_id, status=DeliveryStatus.PENDING,
                                 message__kind=OutboxKind.ANNOUNCEMENT).values_list("id", "message__audience")
    ids = [delivery_id for delivery_id, audience in rows if keep is None or not keep(audience or {})]
    if ids:
        await Delivery.filter(id__in=ids, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CANCELLED, last_error=OPTED_OUT)
    return len(ids)
