"""Setting substitutions (issue 13): who may, what is refused with which message, edits and
cancellation, the audit log. Scheduling and access have their own files."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from substitution_support import HOUR, loaded, plan, real_now

from helpdesk_app.domain import substitution_schedule, substitutions, users_admin
from helpdesk_app.domain.errors import Forbidden, FormInvalid, Invalid, NotFound
from helpdesk_app.i18n import t
from helpdesk_app.models import AuditEvent, Role, Substitution, SubstitutionState


def _form(absent, substitute, start, end, **kw) -> substitutions.SubstitutionForm:
    return substitutions.SubstitutionForm(
        absent_id=absent.id if absent else None,
        substitute_id=substitute.id if substitute else None, starts=start, ends=end, **kw)


def _errors(excinfo) -> dict[str, str]:
    return {field: key for field, (key, _params) in excinfo.value.errors.items()}


def test_a_technician_plans_their_own_absence_with_local_times(db, world):
    tom, tina = world.users["technician"], world.users["technician2"]
    # Europe/Warsaw (the users' zone): 10:00 local on 1 July 2030 is 08:00 UTC (CEST)
    sid = substitutions.create(db, world.actor("technician"), _form(
        tom, tina, "01.07.2030 10:00", "05.07.2030 18:00", note="Urlop"))
    sub = db.get(Substitution, sid)
    assert (sub.starts_at.hour, sub.ends_at.hour) == (8, 16)
    assert sub.state == SubstitutionState.SCHEDULED and sub.note == "Urlop"
    assert sub.created_by_id == tom.id and not sub.absent_keeps_notifications


def test_a_technician_may_not_plan_someone_elses_absence(db, world):
    now = real_now()
    with pytest.raises(Forbidden):
        plan(db, world.actor("technician"), world.users["technician2"],
             world.users["coordinator"], now + HOUR, now + 2 * HOUR)
    with pytest.raises(Forbidden):
        plan(db, world.actor("client"), world.users["technician"],
             world.users["technician2"], now + HOUR, now + 2 * HOUR)
    assert db.exec(select(Substitution)).all() == []


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_coordinators_and_admins_plan_for_anyone_on_the_staff(db, world, who):
    now = real_now()
    sid = plan(db, world.actor(who), world.users["technician"], world.users["technician2"],
               now + HOUR, now + 2 * HOUR)
    assert db.get(Substitution, sid).absent_id == world.users["technician"].id
    absent, substitutes = substitutions.people(db, world.actor(who))
    staff = {u.id for k, u in world.users.items()
             if k in ("admin", "coordinator", "technician", "technician2")}
    assert {o.id for o in absent} == staff and {o.id for o in substitutes} == staff
    assert {o.id for o in substitutions.people(db, world.actor("technician"))[0]} == {
        world.users["technician"].id}


def test_every_problem_of_the_form_is_reported_at_once(db, world):
    tom = world.users["technician"]
    with pytest.raises(FormInvalid) as e:
        substitutions.create(db, world.actor("technician"), _form(
            tom, tom, "31.02.2030 10:00", "", note="x" * 600))
    assert _errors(e) == {"substitute": "substitution.self",
                          "starts": "field.datetime_invalid",
                          "ends": "substitution.when_required",
                          "note": "substitution.note_too_long"}
    with pytest.raises(FormInvalid) as e:
        substitutions.create(db, world.actor("technician"), _form(
            None, world.users["client"], "01.07.2030 10:00", "01.07.2030 09:00"))
    assert _errors(e) == {"absent": "substitution.absent_required",
                          "substitute": "substitution.person_invalid",
                          "ends": "substitution.end_before_start"}


def test_an_end_in_the_past_is_refused_and_a_start_in_the_past_means_now(db, world):
    now = real_now()
    tom, tina = world.users["technician"], world.users["technician2"]
    with pytest.raises(FormInvalid) as e:
        plan(db, world.actor("technician"), tom, tina, now - 2 * HOUR, now - HOUR, now=now)
    assert _errors(e) == {"ends": "substitution.end_in_past"}
    sid = plan(db, world.actor("technician"), tom, tina, now - HOUR, now + HOUR, now=now)
    sub = db.get(Substitution, sid)
    # stored as "from now" and in force at once, like the scheduler would start it
    assert sub.starts_at == now and sub.state == SubstitutionState.ACTIVE
    assert sub.started_at == now


def test_a_nonexistent_local_time_is_refused(db, world):
    # 30 March 2031, 02:30 does not exist in Warsaw (clocks jump from 02:00 to 03:00)
    with pytest.raises(FormInvalid) as e:
        substitutions.create(db, world.actor("technician"), _form(
            world.users["technician"], world.users["technician2"], "30.03.2031 02:30",
            "31.03.2031 10:00"))
    assert _errors(e) == {"starts": "field.datetime_nonexistent"}


def test_overlap_of_the_same_absent_person_is_refused(db, world):
    now = real_now()
    tom, tina, cora = (world.users[k] for k in ("technician", "technician2", "coordinator"))
    plan(db, world.actor("technician"), tom, tina, now + HOUR, now + 3 * HOUR)
    with pytest.raises(FormInvalid) as e:
        plan(db, world.actor("technician"), tom, cora, now + 2 * HOUR, now + 4 * HOUR)
    assert _errors(e) == {"starts": "substitution.overlap"}
    key, params = e.value.errors["starts"]
    message = t(key, "en", **params)  # the other period, in the actor's zone
    assert params["start"] in message and params["end"] in message
    # touching periods do not overlap
    plan(db, world.actor("technician"), tom, cora, now + 3 * HOUR, now + 4 * HOUR)


def test_a_substitute_who_is_away_then_is_refused(db, world):
    now = real_now()
    tom, tina, cora = (world.users[k] for k in ("technician", "technician2", "coordinator"))
    plan(db, world.actor("technician2"), tina, cora, now + 2 * HOUR, now + 5 * HOUR)
    with pytest.raises(FormInvalid) as e:
        plan(db, world.actor("technician"), tom, tina, now + HOUR, now + 3 * HOUR)
    assert _errors(e) == {"substitute": "substitution.substitute_away"}
    assert e.value.errors["substitute"][1]["name"] == tina.full_name
    # before her absence she is fine
    plan(db, world.actor("technician"), tom, tina, now + HOUR, now + 2 * HOUR)


def test_a_cycle_is_refused_with_its_own_message(db, world):
    now = real_now()
    tom, tina = world.users["technician"], world.users["technician2"]
    plan(db, world.actor("technician"), tom, tina, now + HOUR, now + 3 * HOUR)
    with pytest.raises(FormInvalid) as e:
        plan(db, world.actor("technician2"), tina, tom, now + 2 * HOUR, now + 4 * HOUR)
    assert _errors(e) == {"substitute": "substitution.cycle"}


def test_a_chain_arises_when_the_substitute_plans_later_and_is_capped(db, world, make):
    now = real_now()
    a, b, c = (world.users[k] for k in ("technician", "technician2", "coordinator"))
    d = make.user(world.provider, "technician", name="Dora Deputy")
    e_ = make.user(world.provider, "technician", name="Ed Extra")
    plan(db, world.actor("technician"), a, b, now + HOUR, now + 5 * HOUR)
    plan(db, world.actor("technician2"), b, c, now + HOUR, now + 5 * HOUR)  # A → B → C
    plan(db, world.actor("coordinator"), c, d, now + HOUR, now + 5 * HOUR)  # → D: 3 hops
    with pytest.raises(FormInvalid) as e:
        plan(db, world.actor("admin"), d, e_, now + 2 * HOUR, now + 3 * HOUR)
    assert _errors(e) == {"substitute": "substitution.chain_too_long"}
    # not at the same time: no chain
    plan(db, world.actor("admin"), d, e_, now + 5 * HOUR, now + 6 * HOUR)


def test_planning_and_changing_are_audited(db, world):
    now = real_now()
    tom, tina = world.users["technician"], world.users["technician2"]
    sid = plan(db, world.actor("technician"), tom, tina, now + HOUR, now + 2 * HOUR,
               note="Szkolenie")
    substitutions.edit(db, world.actor("coordinator"), sid, _form(
        tom, tina, now + HOUR, now + 3 * HOUR, note="Szkolenie", keeps_notifications=True))
    substitutions.cancel(db, world.actor("technician"), sid)
    entries = db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in entries] == ["substitution.created", "substitution.updated",
                                           "substitution.cancelled"]
    assert entries[0].target_label == f"{tom.full_name} → {tina.full_name}"
    assert entries[0].actor_id == tom.id and entries[1].actor_id == \
        world.users["coordinator"].id
    assert '"absent_keeps_notifications": [false, true]' in entries[1].details
    assert db.get(Substitution, sid).state == SubstitutionState.CANCELLED


def test_the_substitute_sees_it_but_may_not_change_it_and_others_do_not_see_it(db, world,
                                                                              make):
    now = real_now()
    tom, tina = world.users["technician"], world.users["technician2"]
    sid = plan(db, world.actor("technician"), tom, tina, now + HOUR, now + 2 * HOUR)
    [seen] = substitutions.list_for(db, world.actor("technician2"))
    assert seen.id == sid and not seen.can_change
    with pytest.raises(Forbidden):
        substitutions.cancel(db, world.actor("technician2"), sid)
    assert [v.id for v in substitutions.list_for(db, world.actor("admin"))] == [sid]
    third = make.actor(make.user(world.provider, "technician", name="Third Tech"))
    assert substitutions.list_for(db, third) == []
    with pytest.raises(NotFound):
        substitutions.cancel(db, third, sid)
    with pytest.raises(Forbidden):
        substitutions.list_for(db, world.actor("client"))


def test_in_force_only_end_note_and_notifications_change(db, world):
    now = real_now()
    tom, tina, cora = (world.users[k] for k in ("technician", "technician2", "coordinator"))
    sid = plan(db, world.actor("technician"), tom, tina, now - HOUR, now + HOUR, now=now)
    assert db.get(Substitution, sid).state == SubstitutionState.ACTIVE
    with pytest.raises(Invalid) as e:
        substitutions.edit(db, world.actor("technician"), sid,
                           _form(tom, cora, now, now + 2 * HOUR), now=now)
    assert e.value.key == "substitution.active_fixed"
    substitutions.edit(db, world.actor("technician"), sid,
                       _form(tom, tina, now + 5 * HOUR, now + 2 * HOUR, note="dłużej"),
                       now=now)
    sub = db.get(Substitution, sid)
    assert (sub.starts_at, sub.ends_at, sub.note) == (now, now + 2 * HOUR, "dłużej")


def test_cancelling_one_in_force_ends_it_at_once(db, world):
    now = real_now()
    tom, tina = world.users["technician"], world.users["technician2"]
    sid = plan(db, world.actor("technician"), tom, tina, now - HOUR, now + HOUR, now=now)
    substitutions.cancel(db, world.actor("technician"), sid, now=now)
    sub = db.get(Substitution, sid)
    assert (sub.state, sub.ended_at) == (SubstitutionState.CANCELLED, now)
    with pytest.raises(Invalid) as e:
        substitutions.cancel(db, world.actor("technician"), sid, now=now)
    assert e.value.key == "substitution.already_over"
    # the scheduler does not end a cancelled one again
    assert substitution_schedule.run_pass(db, now + 2 * HOUR).ended == []


def test_away_status_is_the_absence_in_force_or_the_next(db, world):
    now = real_now()
    tom, tina = world.users["technician"], world.users["technician2"]
    assert substitutions.away_status(db, tom.id, now) is None
    plan(db, world.actor("technician"), tom, tina, now + 3 * HOUR, now + 4 * HOUR)
    plan(db, world.actor("technician"), tom, tina, now + HOUR, now + 2 * HOUR)
    status = substitutions.away_status(db, tom.id, now)
    assert (status.starts_at, status.substitute, status.active) == (
        now + HOUR, tina.full_name, False)


def test_deactivating_a_user_cancels_their_substitutions_on_both_sides(db, world, make):
    """A deactivated substitute covers nobody and a deactivated person's absence needs no
    cover: their running and planned substitutions end with the account, audited."""
    now = real_now()
    tom, tina = world.users["technician"], world.users["technician2"]
    coord = world.users["coordinator"]
    bob = make.user(world.provider, Role.TECHNICIAN, name="Bob Builder")
    running = plan(db, world.actor("technician"), tom, tina, now - HOUR, now + HOUR, now=now)
    later = plan(db, world.actor("coordinator"), coord, tina, now + 3 * HOUR, now + 4 * HOUR)
    elsewhere = plan(db, world.actor("coordinator"), bob, coord, now + HOUR, now + 2 * HOUR)
    assert tom.id in loaded(db, tina).covering_ids

    users_admin.set_user_active(db, world.actor("admin"), tina.id, False)

    db.expire_all()
    assert db.get(Substitution, running).state == SubstitutionState.CANCELLED
    assert db.get(Substitution, running).ended_at is not None
    assert db.get(Substitution, later).state == SubstitutionState.CANCELLED
    assert db.get(Substitution, later).ended_at is None  # never started
    assert db.get(Substitution, elsewhere).state == SubstitutionState.SCHEDULED
    reasons = [json.loads(e.details).get("reason") for e in db.exec(select(AuditEvent).where(
        AuditEvent.action == "substitution.cancelled")).all()]
    assert reasons == ["user_deactivated", "user_deactivated"]
    [deactivated] = db.exec(select(AuditEvent).where(
        AuditEvent.action == "user.deactivated")).all()
    assert json.loads(deactivated.details)["substitutions_cancelled"] == 2
    # reactivating brings nothing back: a new absence is planned anew
    users_admin.set_user_active(db, world.actor("admin"), tina.id, True)
    db.expire_all()
    assert db.get(Substitution, later).state == SubstitutionState.CANCELLED
