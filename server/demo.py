"""Demo data: an organisation, its staff and two young people, ready to log in."""

from dataclasses import dataclass

from sqlmodel import Session, select

from server.accounts import service
from server.accounts.models import Organisation, User
from server.accounts.passwords import Passwords

DEMO_ORG = "Riverside Youth Club"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    display_name: str
    role: str
    age_band: str | None


DEMO_LOGINS = (
    DemoLogin("admin", "lantern-harbour-7", "Priya (admin)", "org_admin", "over_25"),
    DemoLogin("worker", "kettle-meadow-3", "Sam (youth worker)", "youth_worker", "over_25"),
    DemoLogin("jade", "purple-otter-16", "Jade", "young_person", "16_17"),
    DemoLogin("kai", "green-heron-14", "Kai", "young_person", "13_15"),
)


def seed(session: Session, passwords: Passwords) -> tuple[DemoLogin, ...]:
    """Create the demo organisation and people; running it again adds only what is missing."""
    org = session.exec(select(Organisation).where(Organisation.name == DEMO_ORG)).first()
    if org is None:
        org = service.create_organisation(session, name=DEMO_ORG)
    existing = set(session.exec(select(User.username_key)))
    for login in DEMO_LOGINS:
        if service.username_key(login.username) not in existing:
            service.create_user(session, passwords, org_slug=org.slug, username=login.username,
                                display_name=login.display_name, role=login.role,
                                age_band=login.age_band, password=login.password)
    return DEMO_LOGINS
