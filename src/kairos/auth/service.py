"""Users and teams: the only place that writes these tables. Passwords are hashed with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kairos.auth.models import Team, TeamMember, User
from kairos.auth.schemas import Principal, Role, UserCreate, UserOut
from kairos.db import Database, utcnow
from kairos.errors import ClientError, Conflict, NotFound
from kairos.interactions.models import Interaction
from kairos.routing.models import Agent

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password")


class InvalidUser(ClientError):
    """A user that cannot be created as asked."""

    status_code = 422
    code = "invalid_user"


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def get(*, session: Session, user_id: int) -> User | None:
    """A user by id."""
    return session.get(User, user_id)


def get_by_username(*, session: Session, username: str) -> User | None:
    """A user by username."""
    return session.scalar(select(User).where(User.username == username))


def team_names(*, session: Session, user_id: int) -> list[str]:
    """The names of the teams the user is in."""
    query = (
        select(Team.name)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.user_id == user_id)
        .order_by(Team.name)
    )
    return list(session.scalars(query))


def agent_external_id(*, session: Session, user: User) -> str | None:
    """The routing agent's external id for this user, if it is one."""
    if user.agent_id is None:
        return None
    agent = session.get(Agent, user.agent_id)
    return agent.external_id if agent else None


def _team_agents(session: Session, user_id: int) -> frozenset[str]:
    teams = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
    members = select(TeamMember.user_id).where(TeamMember.team_id.in_(teams))
    query = (
        select(Agent.external_id)
        .join(User, User.agent_id == Agent.id)
        .where(User.id.in_(members), User.role == "agent")
    )
    return frozenset(session.scalars(query))


def principal(*, session: Session, user: User) -> Principal:
    """What a signed-in user is and may see."""
    role: Role = user.role  # type: ignore[assignment]  # create() admits only the three roles
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=role,
        agent_id=agent_external_id(session=session, user=user),
        teams=tuple(team_names(session=session, user_id=user.id)),
        team_agents=_team_agents(session, user.id) if role == "supervisor" else frozenset(),
    )


def user_out(*, session: Session, user: User) -> UserOut:
    """A user as shown."""
    return UserOut(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        agent_id=agent_external_id(session=session, user=user),
        teams=team_names(session=session, user_id=user.id),
        active=user.active,
        created_at=user.created_at,
    )


def get_all(*, session: Session) -> list[User]:
    """Every user, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def _team(session: Session, name: str) -> Team:
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name, created_at=utcnow())
        session.add(team)
        session.flush()
    return team


def create(*, db: Database, user_in: UserCreate) -> UserOut:
    """Store a new user (teams are created as needed); an agent must name a routing agent."""
    if user_in.role == "agent" and not user_in.agent_id:
        raise InvalidUser(
            "an agent user must name the routing agent it is",
            errors=[{"field": "agent_id", "message": "required for role agent"}],
        )
    with db.write_lock(), db.session() as session:
        if get_by_username(session=session, username=user_in.username) is not None:
            raise Conflict(
                f"user {user_in.username!r} exists already",
                errors=[{"field": "username", "message": "already used"}],
            )
        agent = None
        if user_in.agent_id:
            agent = session.scalar(select(Agent).where(Agent.external_id == user_in.agent_id))
            if agent is None:
                raise NotFound(
                    f"no agent {user_in.agent_id!r}: create the routing agent first",
                    errors=[{"field": "agent_id", "message": "unknown agent"}],
                )
        user = User(
            username=user_in.username,
            display_name=user_in.display_name or (agent.name if agent else user_in.username),
            password_hash=hash_password(user_in.password),
            role=user_in.role,
            agent_id=agent.id if agent else None,
            active=True,
            created_at=utcnow(),
        )
        session.add(user)
        session.flush()
        for name in dict.fromkeys(user_in.teams):
            session.add(TeamMember(team_id=_team(session, name).id, user_id=user.id))
        session.commit()
        return user_out(session=session, user=user)


def authenticate(*, db: Database, username: str, password: str) -> User | None:
    """The active user with this username and password, else None; records the sign-in."""
    with db.session() as session:
        user = get_by_username(session=session, username=username)
        if user is None:
            verify_password(_DUMMY_HASH, password)
            return None
        if not user.active or not verify_password(user.password_hash, password):
            return None
        needs_rehash = _hasher.check_needs_rehash(user.password_hash)
    with db.write_lock(), db.session() as session:
        fresh = session.get(User, user.id)
        if fresh is None:  # removed in between
            return None
        fresh.last_login_at = utcnow()
        if needs_rehash:
            fresh.password_hash = hash_password(password)
        session.commit()
        return fresh


def can_open(*, principal: Principal, interaction: Interaction) -> bool:
    """Whether this user may open the interaction: an agent only what routing gave them."""
    return principal.sees_agent(interaction.agent_id)
