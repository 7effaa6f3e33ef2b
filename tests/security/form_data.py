"""Form data for the URL walk (walk.py): an empty POST for every page, and plausible data
for the main forms; search boxes tried with another community's passbook number."""

from __future__ import annotations

import uuid

from django.utils import timezone

from tests.security.walk import World


def plausible_posts(name: str, w: World, kwargs: dict) -> list[dict]:
    """Valid-looking POST data for the main forms, naming `w`'s objects (ids, never its
    distinctive names, so a form echoing what was typed is not mistaken for a leak)."""
    today, kind = timezone.localdate().isoformat(), kwargs.get("kind", "")
    forms: dict[str, list[dict]] = {
        "residents:household_create": [
            {
                "compound": w.compound.pk,
                "building": "77",
                "room": "701",
                "building_group": w.building_group.pk,
                "types": [w.household_type.pk],
                "phone": "13900007777",
                "members-TOTAL_FORMS": "1",
                "members-INITIAL_FORMS": "0",
                "members-0-name": "走查户主",
                "members-0-gender": "F",
                "members-0-birth_year": "1960",
                "members-0-relation": "head",
            }
        ],
        "residents:household_edit": [
            {
                "compound": w.compound.pk,
                "building": "1",
                "room": "101",
                "phone": "13900007777",
                "members-TOTAL_FORMS": "0",
                "members-INITIAL_FORMS": "0",
            }
        ],
        "residents:household_move_out": [{"moved_out_on": today}],
        "residents:setting_create": [
            {f"{kind}-name": "走查名称", f"{kind}-compound": w.compound.pk, f"{kind}-position": "1"}
        ],
        "residents:setting_edit": [{"name": "走查改名", "compound": w.compound.pk}],
        "residents:switch_community": [{"community": w.community.pk}],
        "residents:import_confirm": [{"only_good_rows": "on"}],
        "volunteering:activity_log": [
            {
                "action": "save",
                "project": w.project.pk,
                "title": "走查活动",
                "date": today,
                "hours": "2",
                "submission_key": str(uuid.uuid4()),
                "p": [w.head.pk],
                f"hours-{w.head.pk}": "2",
                f"present-{w.head.pk}": "on",
            }
        ],
        "volunteering:activity_participants": [
            {"action": "save", "p": [w.member.pk], f"present-{w.member.pk}": "on"}
        ],
        "volunteering:project_create": [
            {"category": w.category.pk, "name": "走查项目", "default_hours": "2"}
        ],
        "volunteering:project_edit": [
            {"category": w.category.pk, "name": "走查项目", "default_hours": "2"}
        ],
        "volunteering:category_edit": [{"name": "走查类别", "position": "1"}],
        "volunteering:project_claim": [{"members": [w.member.pk], "on": today}],
        "volunteering:team_create": [{"name": "走查团队"}],
        "volunteering:team_edit": [{"name": "走查团队"}],
        "volunteering:team_add_members": [{"members": [w.member.pk], "on": today}],
        "points:review_decide": [
            {"action": "approve", "attendance": str(w.pending.pk)},
            {"action": "reject", "attendance": str(w.pending.pk), "reason": "走查"},
            {"action": "approve_activity", "activity": w.activity.pk},
        ],
        "points:ledger_adjust": [{"amount": "-50", "reason": "走查", "on": today}],
        "points:ledger_undo": [{"reason": "走查"}],
        "points:rule_create": [
            {
                "scope": f"project:{w.project.pk}",
                "starts_on": today,
                "points_per_session": "5",
                "rounding": "down",
            }
        ],
        "points:rule_edit": [{"starts_on": "2025-01-01", "points_per_session": "9"}],
        "points:rule_end": [{"ends_on": today}],
        "points:rule_supersede": [{"starts_on": today, "points_per_session": "9"}],
        "points:passbook_print_group": [{"building_group": w.building_group.pk}],
        "redemption:reward_edit": [
            {"name": "走查奖品", "unit": "瓶", "point_price": "1", "cost_yuan": "0.10"}
        ],
        "redemption:reward_toggle": [{"active": "0"}],
        "redemption:round_edit": [
            {
                "name": "走查兑换期",
                "code": "ZC1",
                "opens_on": today,
                "closes_on": today,
                "budget_yuan": "1",
                "balance_policy": "clear",
            }
        ],
        "redemption:round_item_add": [
            {"reward": w.reward.pk, "stock": "1", "per_household_limit": "1"}
        ],
        "redemption:round_item_edit": [
            {"point_price": "1", "cost_yuan": "0.01", "stock": "1", "per_household_limit": "1"}
        ],
        "redemption:round_open": [{"confirm": "on"}],
        "redemption:round_close": [{"confirm": "on"}],
        "redemption:counter_household": [
            {"submission_key": str(uuid.uuid4()), f"qty_{w.item.pk}": "1"}
        ],
        "redemption:cancel": [{"reason": "走查"}],
        "needs:visit_new": [
            {
                "household": w.household.pk,
                "visited_on": today,
                "visitors": "走查人",
                "need_follows": "on",
                "need_text": "走查需求",
                "submission_key": str(uuid.uuid4()),
            }
        ],
        "needs:need_new": [{"household": w.household.pk, "text": "走查需求"}],
        "needs:need_dispatch": [{"member": w.head.pk}, {"partner": w.partner.pk}],
        "needs:need_take": [{"partner": w.partner.pk}],
        "needs:need_publish": [{"published": "1"}],
        "needs:need_send_back": [{"reason": "走查"}],
        "needs:need_withdraw": [{"reason": "走查"}],
        "needs:need_complete": [
            {
                "done_on": today,
                "done_note": "走查",
                "hours": "1",
                "doers": [w.head.pk],
                "project": w.project.pk,
                "submission_key": str(uuid.uuid4()),
            }
        ],
        "needs:need_follow_up": [{"confirmed": "yes", "note": "走查"}],
        "needs:wish_new": [{"text": "走查心愿"}],
        "needs:pairing_new": [
            {
                "household": w.household.pk,
                "kind": "hardship",
                "partner": w.partner.pk,
                "started_on": today,
            }
        ],
        "needs:served_add": [{"household": w.household.pk}],
        "needs:partner_create": [{"name": "走查单位", "contact": "走查"}],
        "needs:partner_edit": [{"name": "走查单位改名"}],
        "needs:partner_add_person": [{"member": w.head.pk}, {"name": "走查报到人"}],
        "login_unlock": [{"username": w.admin.username}],
        "subdistrict:contest_list": [
            {
                "year": "2027",
                "title": "走查评选",
                "kinds": ["study"],
                "measures": ["participation"],
                "criteria": "走查",
            }
        ],
        "subdistrict:contest_detail": [{f"stars_{w.star_entry.pk}": "3"}],
        "subdistrict:publication_list": [{"period": "2026Q3", "days": "7"}],
        "subdistrict:publication_detail": [
            {"raised_by": "走查", "raised_on": today, "content": "走查"}
        ],
        "subdistrict:objection_decide": [{"decision": "走查"}],
        "subdistrict:contest_publish": [{"days": "7"}],
        "subdistrict:contest_objection_create": [
            {"raised_by": "走查", "raised_on": today, "content": "走查"}
        ],
        "subdistrict:contest_objection_decide": [{"decision": "走查"}],
        "subdistrict:notice_list": [{"title": "走查", "body": "走查", "expires_on": today}],
        "subdistrict:entry_create": [
            {"building_group": w.building_group.pk, "kind": "study", "plan": "走查"}
        ],
        "party:roll_call": [
            {
                "project": w.dues_project.pk,
                "date": today,
                "present": [w.party_member.pk],
                "submission_key": str(uuid.uuid4()),
            }
        ],
        "party:member_profile": [{"reported_on": today}],
        "party:report": [
            {
                "name": "走查",
                "gender": "M",
                "birth_year": "1980",
                "phone": "13800000000",
                "employer": "走查单位",
                "job_title": "工程师",
                "specialties": "电工",
                "is_in_service_party_member": "on",
                "reported_on": today,
            }
        ],
        "party:settings": [
            {
                "meetings_per_quarter": "2",
                "base_points_to_passbook": "on",
                f"role-{w.project.pk}": "governance",
            }
        ],
    }
    return forms.get(name, [])


def search_query(w: World) -> dict:
    """A GET query naming `w`'s objects for pages without arguments (lists, searches,
    exports). Search terms are partial (the tag, a lower-case passbook number), so echoing
    them back is not a leak while a matching row would show a full marker."""
    return {
        "q": w.tag,
        "household": w.household.pk,
        "compound": w.compound.pk,
        "building_group": w.building_group.pk,
        "type": w.household_type.pk,
        "project": w.project.pk,
        "round": w.round.pk,
        "team": w.team.pk,
        "group": f"bg:{w.building_group.pk}",
        "activity": w.activity.pk,
        "table": "residents_household",
    }


# Search boxes that find a household by its passbook number, tried with B's as well.
PASSBOOK_SEARCHES = {
    "residents:household_list",
    "redemption:counter",
    "volunteering:people_search",
    "volunteering:activity_log",
    "needs:visit_home",
    "needs:served_find",
}


def passbook_query(w: World) -> dict:
    return {"q": w.household.passbook_number.replace("-", "").lower()}
