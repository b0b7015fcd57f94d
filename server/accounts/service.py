"""Organisations, accounts and invite codes. Every change to accounts goes
through a service function: check input and permission, change rows, write the
audit entry, all in the caller's one transaction."""

import re
import unicodedata
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server import audit, clock
from server.accounts.codes import new_code, normalise_code
from server.accounts.models import (
    AgeBand,
    Invite,
    Member,
    Organisation,
    Role,
    User,
)
from server.accounts.passwords import MISMATCH, Passwords, password_problem
from server.accounts.sessions import Viewer
from server.errors import InvalidInput, NotAllowed, NotFound
from server.i18n import N_, _

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{3,30}")
INVITE_MAX_DAYS = 90
INVITE_MAX_USES = 500
USED_UP = N_("That code has been used up. Ask your youth worker for a new one.")
TAKEN = N_("That username is taken. Try another.")


def username_key(username: str) -> str:
    return username.strip().casefold()


def username_problem(username: str) -> str | None:
    if not USERNAME_PATTERN.fullmatch(username):
        return _("Usernames are 3 to 30 letters, numbers, dots, dashes or underscores, "
                 "with no spaces.")
    return None


def display_name_problem(name: str) -> str | None:
    if not name:
        return _("Add a display name: it is what others in your organisation see.")
    if len(name) > 50:
        return _("Keep your display name to 50 characters or fewer.")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return _("Your display name has characters we cannot show.")
    return None


def _age_band(value: str | None, *, required: bool) -> tuple[AgeBand | None, str | None]:
    if not value:
        return None, (_("Choose your age group.") if required else None)
    try:
        return AgeBand(value), None
    except ValueError:
        return None, _("Choose one of the age groups in the list.")


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50] or "organisation"


def create_organisation(session: Session, *, name: str) -> Organisation:
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput({"name": _("Give the organisation a name of up to 120 characters.")})
    base = slugify(name)
    slug, n = base, 1
    while session.exec(select(Organisation.id).where(Organisation.slug == slug)).first():
        n += 1
        slug = f"{base}-{n}"
    org = Organisation(name=name, slug=slug)
    session.add(org)
    session.flush()
    audit.record(session, org_id=org.id, actor_id=None, action="organisation.created")
    return org


def organisation_by_slug(session: Session, slug: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if org is None:
        raise NotFound(f"There is no organisation called {slug!r}.")
    return org


def new_account(
    session: Session,
    passwords: Passwords,
    *,
    org_id: int,
    username: str,
    display_name: str,
    role: Role,
    age_band: str | None,
    password: str | None,
    password_again: str | None = None,
    invite_id: int | None = None,
) -> tuple[User, Member]:
    username, display_name = username.strip(), display_name.strip()
    errors: dict[str, str] = {}
    if problem := username_problem(username):
        errors["username"] = problem
    elif find_user(session, username) is not None:
        errors["username"] = _(TAKEN)
    if problem := display_name_problem(display_name):
        errors["display_name"] = problem
    band, problem = _age_band(age_band, required=role == Role.young_person)
    if problem:
        errors["age_band"] = problem
    if password is not None and (problem := password_problem(password, username=username)):
        errors["password"] = problem
    elif password_again is not None and password != password_again:
        errors["password_again"] = _(MISMATCH)
    if errors:
        raise InvalidInput(errors)
    user = User(
        username=username,
        username_key=username_key(username),
        display_name=display_name,
        age_band=band,
        password_hash=passwords.hash(password) if password is not None else None,
        password_changed_at=clock.now() if password is not None else None,
    )
    session.add(user)
    try:
        # Two people picking the same name at once: the unique index decides.
        session.flush()
    except IntegrityError:
        raise InvalidInput({"username": _(TAKEN)}) from None
    assert user.id is not None
    member = Member(org_id=org_id, user_id=user.id, role=role, invite_id=invite_id)
    session.add(member)
    session.flush()
    return user, member


def find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username_key == username_key(username))).first()


def create_user(
    session: Session,
    passwords: Passwords,
    *,
    org_slug: str,
    username: str,
    display_name: str,
    role: str,
    age_band: str | None,
    password: str,
) -> User:
    """An account made by the operator from the command line."""
    org = organisation_by_slug(session, org_slug)
    try:
        member_role = Role(role)
    except ValueError:
        raise InvalidInput({"role": f"Role must be one of {', '.join(Role)}."}) from None
    assert org.id is not None
    user, _member = new_account(session, passwords, org_id=org.id, username=username,
                                display_name=display_name or username, role=member_role,
                                age_band=age_band, password=password)
    audit.record(session, org_id=org.id, actor_id=None, action="user.created",
                 target_user_id=user.id)
    return user


def look_up_invite(session: Session, *, code: str) -> tuple[Invite, Organisation]:
    """The invite and organisation for a typed code, or a plain reason it cannot be used."""
    typed = normalise_code(code)
    if not typed:
        raise InvalidInput({"code": _("Type the invite code a youth worker gave you.")})
    row = session.exec(
        select(Invite, Organisation)
        .join(Organisation, col(Organisation.id) == col(Invite.org_id))
        .where(Invite.code == typed)
    ).first()
    if row is None:
        raise InvalidInput({"code": _("We do not know that code. Check it with your youth "
                                      "worker.")})
    invite, org = row
    if invite.revoked_at is not None:
        raise InvalidInput({"code": _("That code has been stopped by a youth worker. "
                                      "Ask them for a new one.")})
    if invite.expires_at <= clock.now():
        raise InvalidInput({"code": _("That code has expired. Ask your youth worker for a new "
                                      "one.")})
    if invite.uses >= invite.max_uses:
        raise InvalidInput({"code": _(USED_UP)})
    return invite, org


def join(
    session: Session,
    passwords: Passwords,
    *,
    code: str,
    username: str,
    display_name: str,
    password: str,
    password_again: str,
    age_band: str,
) -> User:
    invite, org = look_up_invite(session, code=code)
    assert invite.id is not None and org.id is not None
    # Every problem with the form is reported at once, each next to its own field.
    user, _member = new_account(session, passwords, org_id=org.id, username=username,
                                display_name=display_name, role=Role.young_person,
                                age_band=age_band, password=password,
                                password_again=password_again, invite_id=invite.id)
    # Counted in the database so two people joining at once cannot exceed the limit.
    claimed = session.exec(
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.uses) < col(Invite.max_uses))
        .values(uses=Invite.uses + 1)
    )
    if claimed.rowcount != 1:
        raise InvalidInput({"code": _(USED_UP)})
    audit.record(session, org_id=org.id, actor_id=user.id, action="user.joined",
                 target_user_id=user.id)
    return user


def require_staff(actor: Viewer) -> None:
    if not actor.is_staff:
        raise NotAllowed(_("Only youth workers and organisation admins can do that."))


def create_invite(
    session: Session, *, actor: Viewer, label: str, days: str, max_uses: str
) -> Invite:
    require_staff(actor)
    errors: dict[str, str] = {}
    label = label.strip()
    if len(label) > 80:
        errors["label"] = _("Keep the label to 80 characters or fewer.")
    valid_days = _whole_number(days, 1, INVITE_MAX_DAYS)
    if valid_days is None:
        errors["days"] = _("Choose how many days the code works: 1 to %(max)d.") % {
            "max": INVITE_MAX_DAYS}
    uses = _whole_number(max_uses, 1, INVITE_MAX_USES)
    if uses is None:
        errors["max_uses"] = _("Choose how many people can use it: 1 to %(max)d.") % {
            "max": INVITE_MAX_USES}
    if errors or valid_days is None or uses is None:
        raise InvalidInput(errors)
    code = new_code()
    while session.exec(select(Invite.id).where(Invite.code == code)).first():
        code = new_code()
    invite = Invite(org_id=actor.org_id, code=code, label=label, created_by=actor.user_id,
                    expires_at=clock.now() + timedelta(days=valid_days), max_uses=uses)
    session.add(invite)
    session.flush()
    audit.record(session, org_id=actor.org_id, actor_id=actor.user_id, action="invite.created",
                 reason=label)
    return invite


def _whole_number(value: str, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if low <= number <= high else None


def list_invites(session: Session, *, actor: Viewer) -> list[Invite]:
    require_staff(actor)
    return list(session.exec(
        select(Invite).where(Invite.org_id == actor.org_id).order_by(col(Invite.id).desc())
    ))


def revoke_invite(session: Session, *, actor: Viewer, invite_id: int) -> Invite:
    require_staff(actor)
    invite = session.get(Invite, invite_id)
    if invite is None or invite.org_id != actor.org_id:
        raise NotFound(_("We could not find that invite code."))
    if invite.revoked_at is None:
        invite.revoked_at = clock.now()
        session.add(invite)
        audit.record(session, org_id=actor.org_id, actor_id=actor.user_id,
                     action="invite.revoked", reason=invite.label)
    return invite


def user_by_username(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"There is no user called {username!r}.")
    return user
