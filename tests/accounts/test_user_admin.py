"""User administration: roles, passwords, PINs, badges, deactivation, the admin list; and
a deactivated user's session and API tokens stopping at once."""

import pytest
from sqlalchemy import select

from tests.api.conftest import Api, error_code
from tests.conftest import PASSWORD, in_organisation, in_threads
from warehouse import accounts
from warehouse.accounts import organisations, users
from warehouse.accounts.models import ApiToken, Role, User
from warehouse.core.errors import (
    BadgeCodeInvalid,
    BadgeCodeTaken,
    LastAdmin,
    PasswordTooShort,
    PinInvalid,
    RoleUnknown,
    SelfDeactivation,
    SignInRefused,
    UserInactive,
    UsernameInvalid,
    UserNotFound,
)
from warehouse.core.extensions import db

LIMITS = {"max_failures": 50, "window_minutes": 15}


def fresh(user_id: int) -> User:
    """The user as the database has it now (not the copy this session holds)."""
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.id == user_id))


@pytest.fixture
def admin(app):
    return accounts.create_user("boss", PASSWORD, "admin")


@pytest.fixture
def ann(app):
    return accounts.create_user("ann", PASSWORD, "operator", badge_code="B-ANN", pin="1234")


@pytest.fixture
def hal_id(app) -> int:
    """A second organisation, harbor, with an admin of its own: hal's id."""
    organisations.create("harbor", "Harbor Foods")
    with in_organisation("harbor"):
        return accounts.create_user("hal", PASSWORD, "admin", badge_code="B-HARBOR", pin="5678").id


# --- roles ---------------------------------------------------------------------------------


def test_an_admin_gives_a_user_another_role(admin, ann):
    users.set_role(ann.id, "supervisor", actor_id=admin.id)
    assert fresh(ann.id).role is Role.SUPERVISOR


def test_an_unknown_role_is_refused_and_changes_nothing(admin, ann):
    with pytest.raises(RoleUnknown, match="operator, supervisor, admin"):
        users.set_role(ann.id, "owner", actor_id=admin.id)
    assert fresh(ann.id).role is Role.OPERATOR


def test_the_last_active_admin_cannot_take_the_admin_role_from_themselves(admin):
    with pytest.raises(LastAdmin, match="Make another user an admin first") as refused:
        users.set_role(admin.id, "supervisor", actor_id=admin.id)
    assert refused.value.code == "last_admin"
    assert fresh(admin.id).role is Role.ADMIN


def test_with_another_active_admin_an_admin_may_step_down(admin):
    other = accounts.create_user("deputy", PASSWORD, "admin")
    users.set_role(admin.id, "supervisor", actor_id=admin.id)
    assert (fresh(admin.id).role, fresh(other.id).role) == (Role.SUPERVISOR, Role.ADMIN)


def test_a_deactivated_admin_does_not_count_as_the_other_admin(admin):
    other = accounts.create_user("deputy", PASSWORD, "admin")
    users.deactivate(other.id, actor_id=admin.id)
    with pytest.raises(LastAdmin):
        users.set_role(admin.id, "operator", actor_id=admin.id)
    assert fresh(admin.id).role is Role.ADMIN


def test_an_admin_of_another_organisation_does_not_count_either(admin, hal_id):
    with pytest.raises(LastAdmin):
        users.set_role(admin.id, "operator", actor_id=admin.id)
    assert fresh(admin.id).role is Role.ADMIN


def test_the_last_active_admin_cannot_be_deactivated(admin):
    with pytest.raises(LastAdmin, match="Cannot deactivate boss"):
        users.deactivate(admin.id, actor_id=None)  # e.g. from the command line
    assert fresh(admin.id).active is True


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, admin):
    """Real threads, own connections: each sees the other as an admin when it starts, so
    without one-at-a-time both would pass and leave the organisation without an admin."""
    other = accounts.create_user("deputy", PASSWORD, "admin")
    ids = [admin.id, other.id]
    _results, errors = in_threads(app, 2, lambda i: users.set_role(ids[1 - i], "operator", actor_id=ids[i]))
    assert [type(e) for e in errors] == [LastAdmin]
    assert sorted(fresh(i).role.value for i in ids) == ["admin", "operator"]


# --- passwords, PINs, badges ------------------------------------------------------------


def test_an_admin_resets_a_password_and_only_the_new_one_works(admin, ann):
    users.reset_password(ann.id, "a-brand-new-pw", actor_id=admin.id)
    assert accounts.authenticate("ann", "a-brand-new-pw", **LIMITS).id == ann.id
    with pytest.raises(SignInRefused):
        accounts.authenticate("ann", PASSWORD, **LIMITS)


def test_a_short_new_password_is_refused_and_the_old_one_still_works(admin, ann):
    with pytest.raises(PasswordTooShort, match="at least 8"):
        users.reset_password(ann.id, "short", actor_id=admin.id)
    assert accounts.authenticate("ann", PASSWORD, **LIMITS).id == ann.id


def test_an_admin_sets_a_new_pin_and_only_the_new_one_works(admin, ann):
    users.set_pin(ann.id, "24680", actor_id=admin.id)
    assert accounts.authenticate_badge("B-ANN", "24680", **LIMITS).id == ann.id
    with pytest.raises(SignInRefused):
        accounts.authenticate_badge("B-ANN", "1234", **LIMITS)


@pytest.mark.parametrize(
    "pin", ["123", "123456789", "12a4", "12 34", "1234\x00", "\u0661\u0662\u0663\u0664", ""]
)
def test_a_pin_is_four_to_eight_digits(admin, ann, pin):
    with pytest.raises(PinInvalid, match="4-8 digits") as refused:
        users.set_pin(ann.id, pin, actor_id=admin.id)
    assert refused.value.code == "pin_invalid"
    assert accounts.authenticate_badge("B-ANN", "1234", **LIMITS).id == ann.id


def test_an_admin_gives_a_badge_and_takes_it_away(admin, ann):
    users.set_badge(ann.id, " B-NEW-7\r\n", actor_id=admin.id)  # as a scanner types it
    assert fresh(ann.id).badge_code == "B-NEW-7"
    assert accounts.authenticate_badge("B-NEW-7", "1234", **LIMITS).id == ann.id
    users.set_badge(ann.id, "B-NEW-7", actor_id=admin.id)  # their own badge again: fine
    users.set_badge(ann.id, None, actor_id=admin.id)
    assert fresh(ann.id).badge_code is None


@pytest.mark.parametrize("badge", ["B 7", "B-\u00c9", "B-\x00", "B-\t7", "x" * 65])
def test_a_badge_code_is_printable_ascii_without_spaces(admin, ann, badge):
    with pytest.raises(BadgeCodeInvalid, match="1-64"):
        users.set_badge(ann.id, badge, actor_id=admin.id)
    assert fresh(ann.id).badge_code == "B-ANN"


def test_a_badge_of_someone_in_another_organisation_is_taken(admin, ann, hal_id):
    with pytest.raises(BadgeCodeTaken, match="another organisation") as refused:
        users.set_badge(ann.id, "B-HARBOR", actor_id=admin.id)
    assert refused.value.code == "badge_code_taken"
    assert fresh(ann.id).badge_code == "B-ANN"


# --- creating users checks the same ------------------------------------------------------


@pytest.mark.parametrize(
    "extra, refusal",
    [
        ({"badge_code": "B 1"}, BadgeCodeInvalid),
        ({"badge_code": "B-HARBOR"}, BadgeCodeTaken),
        ({"badge_code": "B-1", "pin": "12"}, PinInvalid),
        ({"role": "owner"}, RoleUnknown),
    ],
)
def test_a_new_user_gets_the_same_checks_of_badge_pin_and_role(hal_id, extra, refusal):
    extra = {"role": "operator", **extra}
    with pytest.raises(refusal):
        accounts.create_user("newbie", PASSWORD, **extra)
    assert db.session.scalar(select(User).where(User.username == "newbie")) is None


@pytest.mark.parametrize("username", ["nul\x00name", "tab\tname", "two\nlines", "bell\x07"])
def test_usernames_with_control_characters_are_refused(app, username):
    with pytest.raises(UsernameInvalid, match="control characters"):
        accounts.create_user(username, PASSWORD, "operator")
    assert db.session.scalar(select(User)) is None


# --- deactivating ---------------------------------------------------------------------------


def test_deactivating_revokes_the_users_tokens_and_refuses_sign_in(admin, ann):
    live = accounts.create_token(ann, name="scanner")
    accounts.create_token(admin, name="admin's own")
    users.deactivate(ann.id, actor_id=admin.id)
    assert fresh(ann.id).active is False
    revoked = {t.name: t.revoked_at is not None for t in db.session.scalars(select(ApiToken))}
    assert revoked == {"scanner": True, "admin's own": False}
    with pytest.raises(UserInactive, match="Ask an admin"):
        accounts.token_identity(live)
    with pytest.raises(SignInRefused):
        accounts.authenticate("ann", PASSWORD, **LIMITS)


def test_an_admin_cannot_deactivate_themselves(admin):
    accounts.create_user("deputy", PASSWORD, "admin")
    with pytest.raises(SelfDeactivation, match="Ask another admin") as refused:
        users.deactivate(admin.id, actor_id=admin.id)
    assert refused.value.code == "self_deactivation"
    assert fresh(admin.id).active is True


def test_a_reactivated_user_signs_in_again_but_their_old_tokens_stay_revoked(admin, ann):
    token = accounts.create_token(ann)
    users.deactivate(ann.id, actor_id=admin.id)
    users.reactivate(ann.id, actor_id=admin.id)
    assert accounts.authenticate("ann", PASSWORD, **LIMITS).id == ann.id
    assert accounts.token_identity(token) is None


# --- one organisation's admin does not reach another's users ---------------------------------

CHANGES = {
    "set_role": lambda uid, actor: users.set_role(uid, "operator", actor_id=actor),
    "reset_password": lambda uid, actor: users.reset_password(uid, "hijacked-pw", actor_id=actor),
    "set_pin": lambda uid, actor: users.set_pin(uid, "0000", actor_id=actor),
    "set_badge": lambda uid, actor: users.set_badge(uid, "B-STOLEN", actor_id=actor),
    "deactivate": lambda uid, actor: users.deactivate(uid, actor_id=actor),
    "reactivate": lambda uid, actor: users.reactivate(uid, actor_id=actor),
}


@pytest.mark.parametrize("change", CHANGES)
def test_another_organisations_user_is_not_found(admin, hal_id, change):
    with pytest.raises(UserNotFound, match="No user") as refused:
        CHANGES[change](hal_id, admin.id)
    assert refused.value.code == "user_not_found"
    with in_organisation("harbor"):
        hal = fresh(hal_id)
        assert (hal.role, hal.active, hal.badge_code) == (Role.ADMIN, True, "B-HARBOR")
    assert accounts.authenticate("hal", PASSWORD, **LIMITS).id == hal_id


def test_an_unknown_user_id_is_not_found(admin):
    with pytest.raises(UserNotFound):
        users.set_pin(999_999, "1234", actor_id=admin.id)


# --- the admin list -------------------------------------------------------------------------


def test_the_user_list_pages_by_username_whatever_its_case(admin, hal_id):
    for name in ("dave", "Alice", "carol"):
        accounts.create_user(name, PASSWORD, "operator")
    first = users.users_page("", 1, 2)
    assert [u.username for u in first.rows] == ["Alice", "boss"]
    assert (first.total, first.has_more) == (4, True)  # not harbor's hal
    second = users.users_page("", 2, 2)
    assert [u.username for u in second.rows] == ["carol", "dave"] and not second.has_more


def test_the_user_list_searches_usernames_literally(admin):
    for name in ("Alice", "carol", "SALLY", "dan_1", "danx1"):
        accounts.create_user(name, PASSWORD, "operator")
    assert [u.username for u in users.users_page("aL", 1, 10).rows] == ["Alice", "SALLY"]
    assert [u.username for u in users.users_page("n_", 1, 10).rows] == ["dan_1"]  # _ is no wildcard
    assert users.users_page("%", 1, 10).total == 0


# --- through the doors: the next request is refused -------------------------------------


def test_a_deactivated_operator_is_sent_to_sign_in_on_the_next_request(client, auth, admin):
    auth.login("operator")
    assert client.get("/stock").status_code == 200 and client.get("/api/stock").status_code == 200
    operator = db.session.scalar(select(User).where(User.username == "operator"))
    users.deactivate(operator.id, actor_id=admin.id)

    page = client.get("/stock")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert "Your session has ended" in client.get(page.headers["Location"]).get_data(as_text=True)
    htmx = client.get("/stock", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and "/login" in htmx.headers["HX-Redirect"]
    assert client.get("/api/stock").status_code == 401  # the session no longer calls the API


def test_reactivating_does_not_bring_the_old_session_back(client, auth, admin):
    auth.login("operator")
    operator = db.session.scalar(select(User).where(User.username == "operator"))
    users.deactivate(operator.id, actor_id=admin.id)
    assert client.get("/stock").status_code == 302
    users.reactivate(operator.id, actor_id=admin.id)
    assert client.get("/stock").status_code == 302
    auth.login("operator")
    assert client.get("/stock").status_code == 200


def test_a_deactivated_users_api_token_gets_401_saying_to_ask_an_admin(client, admin, ann):
    token = accounts.create_token(ann, name="scanner")
    assert Api(client, token).get("/api/stock").status_code == 200
    users.deactivate(ann.id, actor_id=admin.id)

    response = Api(client, token).get("/api/stock")
    assert response.status_code == 401
    assert error_code(response) == "user_inactive"
    assert "Ask an admin" in response.get_json()["error"]["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_of_a_user_made_inactive_another_way_is_refused_too(client, ann):
    """Not revoked (the user was switched off without `deactivate`): refused by its user."""
    token = accounts.create_token(ann)
    fresh(ann.id).active = False
    db.session.commit()
    response = Api(client, token).get("/api/stock")
    assert response.status_code == 401 and error_code(response) == "user_inactive"
