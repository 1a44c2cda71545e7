"""Moderation, privacy and limits as domain functions, on rows seeded with the models."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.services import audit, limits, moderation, privacy
from bot.services.citizens import CitizenInfo
from bot.services.errors import InvalidValue, LimitReached, NotAllowed, NotFound
from bot.services.moderation import Action, Target
from models.audit import AuditEntry
from models.citizen import Citizen, Role
from models.conversation import ConversationState
from models.delivery import Delivery, OutboxKind, OutboxMessage
from models.initiative import Initiative, InitiativeUpdate, Membership, MembershipKind, Report, Status
from models.region import Municipality

STAFF_TELEGRAM_ID = 9000


async def make_citizen(telegram_id: int, name: str = "Anna", *, registered: bool = True,
                       language: str = "nl", **extra) -> Citizen:
    municipality = await Municipality.first()
    return await Citizen.create(telegram_id=telegram_id, first_name=name, language=language,
                                public_name=name if registered else None,
                                municipality=municipality if registered else None,
                                registered_at=datetime.now(UTC) if registered else None,
                                consent_at=datetime.now(UTC) if registered else None, **extra)


def info(citizen: Citizen, staff: bool = False) -> CitizenInfo:
    return CitizenInfo(citizen.id, citizen.telegram_id, citizen.first_name, citizen.language, False, staff,
                       citizen.registered_at is not None, citizen.public_name)


async def make_initiative(initiator: Citizen, title: str = "Buurtmoestuin", status: Status = Status.SUBMITTED,
                          **extra) -> Initiative:
    now = datetime.now(UTC)
    return await Initiative.create(title=title, description="Samen groente kweken", initiator=initiator,
                                   initiator_name=initiator.public_name, status=status,
                                   submitted_at=now if status != Status.DRAFT else None,
                                   published_at=now if status == Status.PUBLISHED else None, **extra)


@pytest.fixture
async def people(database_url):
    staff = await make_citizen(STAFF_TELEGRAM_ID, "Sam")
    anna = await make_citizen(1001, "Anna")
    bob = await make_citizen(1002, "Bob", language="en")
    return info(staff, staff=True), anna, bob


async def test_approve_publishes_and_records_who(people):
    staff, anna, _bob = people
    initiative = await make_initiative(anna)
    decision = await moderation.approve(staff, initiative.id)
    row = await Initiative.get(id=initiative.id)
    assert row.status == Status.PUBLISHED and row.published_at is not None
    assert decision.initiator_telegram_id == 1001 and decision.initiator_language == "nl"
    entry = await AuditEntry.get(action=Action.APPROVE)
    assert (entry.actor_telegram_id, entry.target_type, entry.target_id) == (STAFF_TELEGRAM_ID, "initiative",
                                                                             initiative.id)
    with pytest.raises(InvalidValue) as error:
        await moderation.approve(staff, initiative.id)  # a second press, or a second staff member
    assert error.value.code == "already_decided"


async def test_changes_and_reject_need_a_reason_that_is_stored(people):
    staff, anna, _bob = people
    first = await make_initiative(anna)
    second = await make_initiative(anna, "Speeltuin")
    for reason in ("", "   ", "x" * 1001):
        with pytest.raises(InvalidValue):
            await moderation.request_changes(staff, first.id, reason)
    assert (await Initiative.get(id=first.id)).status == Status.SUBMITTED
    await moderation.request_changes(staff, first.id, "Beschrijf <b>wie</b> meedoet & waar")
    await moderation.reject(staff, second.id, "Dit is reclame")
    first, second = await Initiative.get(id=first.id), await Initiative.get(id=second.id)
    assert (first.status, first.status_reason) == (Status.CHANGES_REQUESTED, "Beschrijf <b>wie</b> meedoet & waar")
    assert (second.status, second.status_reason) == (Status.REJECTED, "Dit is reclame")
    assert await AuditEntry.filter(action=Action.REJECT, reason="Dit is reclame").exists()


async def test_edit_of_a_published_initiative_waits_and_is_applied_on_approval(people):
    staff, anna, _bob = people
    since = datetime.now(UTC).isoformat()
    zwolle = await Municipality.get(code="GM0193")
    initiative = await make_initiative(anna, status=Status.PUBLISHED,
                                       pending_changes={"fields": {"title": "Groene buurtmoestuin", "status": "x",
                                                                   "municipality_id": zwolle.id},
                                                        "since": since})
    items = await moderation.queue(staff)
    assert [(item.kind, item.target_id) for item in items] == [("edit", initiative.id)]
    card = await moderation.submission(staff, initiative.id)
    assert card.is_edit and card.changes == {"title": "Groene buurtmoestuin", "municipality": "Zwolle"}
    decision = await moderation.approve(staff, initiative.id)
    row = await Initiative.get(id=initiative.id)
    assert decision.was_edit and row.title == "Groene buurtmoestuin" and row.pending_changes is None
    assert row.municipality_id == zwolle.id
    assert row.status == Status.PUBLISHED  # a field outside the editable ones is never applied


async def test_rejected_edit_leaves_the_published_version(people):
    staff, anna, _bob = people
    initiative = await make_initiative(anna, status=Status.PUBLISHED,
                                       pending_changes={"fields": {"title": "SPAM SPAM"}})
    decision = await moderation.reject(staff, initiative.id, "Geen reclame")
    row = await Initiative.get(id=initiative.id)
    assert decision.was_edit and row.title == "Buurtmoestuin" and row.status == Status.PUBLISHED
    assert row.pending_changes is None


async def test_non_staff_are_refused_everything_and_it_is_logged(people):
    _staff, anna, bob = people
    initiative = await make_initiative(anna)
    intruder = info(bob)
    attempts = [
        moderation.approve(intruder, initiative.id),
        moderation.reject(intruder, initiative.id, "nee"),
        moderation.request_changes(intruder, initiative.id, "nee"),
        moderation.queue(intruder),
        moderation.submission(intruder, initiative.id),
        moderation.set_hidden(intruder, Target.INITIATIVE, initiative.id, True),
        moderation.set_blocked(intruder, anna.id, True, frozenset(), "nee"),
        moderation.set_verified(intruder, bob.id, "Eigen club"),
        audit.recent(intruder),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            await attempt
    assert (await Initiative.get(id=initiative.id)).status == Status.SUBMITTED
    assert not (await Citizen.get(id=anna.id)).blocked_by_staff
    assert not (await Citizen.get(id=bob.id)).verified_professional
    refused = await AuditEntry.filter(action__startswith="refused:").values_list("actor_telegram_id", "action")
    assert len(refused) == len(attempts)
    assert ("refused:approve" in {action for _id, action in refused}) and {i for i, _a in refused} == {1002}


async def test_three_reports_from_different_people_hide_until_staff_decide(people):
    staff, anna, bob = people
    carol = await make_citizen(1003, "Carol", registered=False)
    dave = await make_citizen(1004, "Dave")
    initiative = await make_initiative(anna, status=Status.PUBLISHED)

    with pytest.raises(InvalidValue, match="own_content"):
        await moderation.report(info(anna), Target.INITIATIVE, initiative.id, "spam")
    with pytest.raises(InvalidValue, match="reason"):
        await moderation.report(info(bob), Target.INITIATIVE, initiative.id, "boring")
    with pytest.raises(InvalidValue, match="too_long"):
        await moderation.report(info(bob), Target.INITIATIVE, initiative.id, "spam", "x" * 501)
    first = await moderation.report(info(bob), Target.INITIATIVE, initiative.id, "spam", "  <script>  ")
    assert (first.reports, first.hidden_now, first.note) == (1, False, "<script>")
    with pytest.raises(InvalidValue, match="already_reported"):
        await moderation.report(info(bob), Target.INITIATIVE, initiative.id, "offensive")
    second = await moderation.report(info(carol), Target.INITIATIVE, initiative.id, "offensive")
    assert not second.hidden_now and not (await Initiative.get(id=initiative.id)).hidden
    third = await moderation.report(info(dave), Target.INITIATIVE, initiative.id, "off_topic")
    assert third.hidden_now and third.reports == 3
    assert (await Initiative.get(id=initiative.id)).hidden
    assert await AuditEntry.filter(action=Action.AUTO_HIDE, actor_telegram_id=None).exists()
    items = await moderation.queue(staff)
    assert [(item.kind, item.reports, item.hidden) for item in items] == [("reported", 3, True)]

    await moderation.set_hidden(staff, Target.INITIATIVE, initiative.id, False, "Niets mis mee")
    assert not (await Initiative.get(id=initiative.id)).hidden
    assert await Report.filter(resolved=False).count() == 0
    assert await moderation.queue(staff) == []


async def test_reports_on_updates_and_unpublished_content(people):
    _staff, anna, bob = people
    draft = await make_initiative(anna, status=Status.DRAFT)
    with pytest.raises(NotFound):
        await moderation.report(info(bob), Target.INITIATIVE, draft.id, "spam")
    with pytest.raises(NotFound):
        await moderation.report(info(bob), Target.INITIATIVE, 999_999, "spam")
    published = await make_initiative(anna, status=Status.PUBLISHED)
    update = await InitiativeUpdate.create(initiative=published, author=anna, text="Koop nu goedkope horloges")
    outcome = await moderation.report(info(bob), Target.UPDATE, update.id, "spam")
    assert outcome.target == Target.UPDATE and outcome.author_id == anna.id


async def test_block_needs_a_reason_and_never_hits_staff(people):
    staff, anna, _bob = people
    staff_ids = frozenset({STAFF_TELEGRAM_ID})
    with pytest.raises(InvalidValue, match="empty"):
        await moderation.set_blocked(staff, anna.id, True, staff_ids, " ")
    with pytest.raises(InvalidValue, match="staff"):
        await moderation.set_blocked(staff, staff.id, True, staff_ids, "oeps")
    with pytest.raises(NotFound):
        await moderation.set_blocked(staff, 999_999, True, staff_ids, "wie?")
    await moderation.set_blocked(staff, anna.id, True, staff_ids, "Spam")
    assert (await Citizen.get(id=anna.id)).blocked_by_staff
    await moderation.set_blocked(staff, anna.id, False, staff_ids)
    assert not (await Citizen.get(id=anna.id)).blocked_by_staff
    assert [e.action for e in await audit.recent(staff)][:2] == [Action.UNBLOCK, Action.BLOCK]


async def test_verify_only_registered_citizens(people):
    staff, anna, _bob = people
    newcomer = await make_citizen(1005, "Nieuw", registered=False)
    with pytest.raises(InvalidValue, match="not_registered"):
        await moderation.set_verified(staff, newcomer.id, "Welzijn Zwolle")
    with pytest.raises(InvalidValue, match="too_long"):
        await moderation.set_verified(staff, anna.id, "x" * 129)
    outcome = await moderation.set_verified(staff, anna.id, "  Welzijn Zwolle ")
    row = await Citizen.get(id=anna.id)
    assert (row.verified_professional, row.role, row.organisation) == (True, Role.PROFESSIONAL, "Welzijn Zwolle")
    assert outcome.telegram_id == 1001
    await moderation.set_verified(staff, anna.id, None)
    assert not (await Citizen.get(id=anna.id)).verified_professional


async def test_queue_is_oldest_first(people):
    staff, anna, _bob = people
    now = datetime.now(UTC)
    newer = await make_initiative(anna, "Nieuwer")
    older = await make_initiative(anna, "Ouder")
    await Initiative.filter(id=newer.id).update(submitted_at=now - timedelta(hours=1))
    await Initiative.filter(id=older.id).update(submitted_at=now - timedelta(days=2))
    assert [item.title for item in await moderation.queue(staff)] == ["Ouder", "Nieuwer"]


async def test_daily_submission_limit(people):
    _staff, anna, _bob = people
    now = datetime.now(UTC)
    await limits.check_daily_submissions(anna.id, 3)
    rows = [await make_initiative(anna, f"Idee {n}") for n in range(3)]
    for hours, row in zip((20, 10, 1), rows, strict=True):
        await Initiative.filter(id=row.id).update(submitted_at=now - timedelta(hours=hours))
    with pytest.raises(LimitReached) as error:
        await limits.check_daily_submissions(anna.id, 3, now=now)
    assert error.value.code == "initiatives_per_day"
    assert 4 * 3600 - 5 <= error.value.retry_after <= 4 * 3600 + 5  # the oldest is 24 hours old in 4 hours
    await limits.check_daily_submissions(anna.id, 3, initiative_id=rows[0].id, now=now)  # submitting one again
    await limits.check_daily_submissions(anna.id, 0, now=now)  # 0 switches the limit off
    await limits.check_daily_submissions(anna.id, 3, now=now + timedelta(hours=5))


def test_message_rate_limiter_sliding_window():
    clock = [1000.0]
    limiter = limits.MessageRateLimiter(3, clock=lambda: clock[0])
    assert [limiter.hit(7) for _ in range(3)] == [None, None, None]
    clock[0] += 20
    wait = limiter.hit(7)
    assert wait == 40
    assert limiter.first_refusal(7, wait) and not limiter.first_refusal(7, wait)
    assert limiter.hit(8) is None  # another user is not affected
    clock[0] += 41
    assert limiter.hit(7) is None
    assert limits.MessageRateLimiter(0).hit(7) is None


async def test_export_holds_everything_about_the_citizen(people):
    _staff, anna, bob = people
    mine = await make_initiative(anna, status=Status.PUBLISHED)
    theirs = await make_initiative(bob, "Speeltuin", status=Status.PUBLISHED)
    await Membership.create(initiative=theirs, citizen=anna, kind=MembershipKind.JOIN, offer_text="Ik heb een schep")
    await InitiativeUpdate.create(initiative=mine, author=anna, text="We beginnen zaterdag")
    await Report.create(target_type="initiative", target_id=theirs.id, reporter=anna, reason="spam", note="hmm")
    await ConversationState.create(user_id=1001, flow="idea", step="idea.title", data={"title": "Half"})
    await Citizen.filter(id=anna.id).update(email="anna@example.org")
    export = await privacy.export(anna.id)
    document = json.loads(export.to_json())
    assert document["profile"]["email"] == "anna@example.org"
    assert document["profile"]["telegram_id"] == 1001
    assert [row["title"] for row in document["initiatives"]] == ["Buurtmoestuin"]
    assert document["memberships"][0]["offer_text"] == "Ik heb een schep"
    assert document["updates"][0]["text"] == "We beginnen zaterdag"
    assert document["reports"][0]["note"] == "hmm"
    assert document["conversation"]["data"] == {"title": "Half"}
    assert "Speeltuin" not in json.dumps(document["initiatives"])
    assert export.counts["initiatives"] == 1


async def test_erase_withdraw_or_keep_anonymously(people):
    _staff, anna, bob = people
    published = await make_initiative(anna, status=Status.PUBLISHED)
    waiting = await make_initiative(anna, "Wacht", status=Status.SUBMITTED)
    draft = await make_initiative(anna, "Klad", status=Status.DRAFT)
    theirs = await make_initiative(bob, "Speeltuin", status=Status.PUBLISHED, members_count=1, followers_count=1)
    await Membership.create(initiative=theirs, citizen=anna, kind=MembershipKind.JOIN)
    await Membership.create(initiative=theirs, citizen=anna, kind=MembershipKind.FOLLOW)
    message = await OutboxMessage.create(kind=OutboxKind.UPDATE, text="Nieuws")
    await Delivery.create(message=message, citizen=anna, chat_id=1001)
    await Delivery.create(message=message, citizen=bob, chat_id=1002)
    await ConversationState.create(user_id=1001, flow="idea", step="idea.title", data={})
    await audit.record(1001, "refused:approve", "initiative", theirs.id)

    erasure = await privacy.erase(anna.id, keep_initiatives=True)
    assert (erasure.kept_anonymously, erasure.drafts_deleted, erasure.memberships_removed) == (2, 1, 2)
    assert not await Citizen.filter(telegram_id=1001).exists()
    assert not await Initiative.filter(id=draft.id).exists()
    kept = await Initiative.get(id=published.id)
    assert (kept.status, kept.initiator_id, kept.initiator_name) == (Status.PUBLISHED, None, None)
    assert (await Initiative.get(id=waiting.id)).status == Status.SUBMITTED
    assert await Membership.filter(initiative_id=theirs.id).count() == 0
    theirs = await Initiative.get(id=theirs.id)
    assert (theirs.members_count, theirs.followers_count) == (0, 0)
    assert await Delivery.filter(chat_id=1001).count() == 0 and await Delivery.filter(chat_id=1002).count() == 1
    assert not await ConversationState.filter(user_id=1001).exists()
    assert not await AuditEntry.filter(actor_telegram_id=1001).exists()
    assert await AuditEntry.filter(action="erase_personal_data").exists()

    bob_published = await Initiative.get(id=theirs.id)
    await privacy.erase(bob.id, keep_initiatives=False)
    assert (await Initiative.get(id=bob_published.id)).status == Status.WITHDRAWN
    with pytest.raises(NotFound):
        await privacy.erase(bob.id, keep_initiatives=False)


def test_limits_are_configurable_and_validated():
    from bot.config import ConfigError, load_settings

    defaults = load_settings(environ={}, env_file=None)
    assert (defaults.max_initiatives_per_day, defaults.max_messages_per_minute) == (3, 30)
    custom = load_settings(environ={"MAX_INITIATIVES_PER_DAY": "0", "MAX_MESSAGES_PER_MINUTE": "120"}, env_file=None)
    assert (custom.max_initiatives_per_day, custom.max_messages_per_minute) == (0, 120)
    for variable, value in (("MAX_INITIATIVES_PER_DAY", "-1"), ("MAX_MESSAGES_PER_MINUTE", "lots")):
        with pytest.raises(ConfigError) as error:
            load_settings(environ={variable: value}, env_file=None)
        assert error.value.variable == variable
