"""Who is calling, and the single place that decides what they may do.

Every resolver that reaches data calls `context.authorize(action, org=..., registry=...)`, which
is `decide` below, before touching it. The rules:

- No key: `UNAUTHENTICATED` (unless `LINEAGE_ALLOW_ANONYMOUS_READ` lets anonymous callers read
  everything but RESTRICTED registries); a malformed, unknown or revoked key: `UNAUTHENTICATED`
  for everything, never a silent downgrade. A browser session cookie stands for the key it was
  opened with (the header wins when both come); an ended session is refused the same way.
- Server admins may do everything.
- In an organisation: viewers read, members read and write, admins also administer (members,
  roles, audit, TTL where the team restricts it to admins).
- A registry with visibility RESTRICTED is reachable only with a role on it (viewer, member,
  admin: same meaning) or as organisation admin; other registries follow the organisation role,
  raised by a registry role if that is higher. A registry role counts only for members of the
  organisation (it refines a membership, never replaces one).
- A registry the caller may not see (RESTRICTED without a role) answers exactly as a registry
  that does not exist: `NotFound` naming it when the caller's organisation role would allow the
  action, the same `Forbidden` otherwise. Lookups that answer null for a missing registry catch
  that `NotFound`, so the two never differ.
- An organisation that does not exist yet: reading finds nothing and is allowed; the first
  writer claims the name and becomes the new organisation's admin (`graph.access.facts`), anyone
  else
  is refused until the claim is settled or goes stale.

Decisions are memoised per request (one lookup per organisation and registry), never across
requests, so revoked keys and changed roles take effect on the next request.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from enum import Enum

from graph.access import facts as grants
from graph.access.api_keys import KeyOwner, owner_of_key, touch_key
from graph.access.facts import Access, role_rank
from graph.access.orgs import organization_named_alike
from graph.access.sessions import session_owner
from graph.core.driver import Graph
from graph.core.errors import AlreadyExists, Forbidden, NotFound, Unauthenticated
from graph.core.names import validate_name
from graph.registry.registries import CORE_REGISTRIES

log = logging.getLogger("lineage.authz")


class Action(Enum):
    """What a resolver is about to do, from least to most privileged."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


_NEEDED = {Action.READ: "viewer", Action.WRITE: "member", Action.ADMIN: "admin"}

AUTHENTICATION_REQUIRED = "Authentication required: send 'Authorization: Bearer <API key>'"


class AccessCache:
    """The lookups of one request, one per (organisation, registry), shared by concurrent fields."""

    def __init__(self, graph: Graph, user_id: str) -> None:
        self.graph = graph
        self.user_id = user_id
        self._lookups: dict[tuple[str, str | None], asyncio.Future[Access]] = {}
        self.claimed: set[str] = set()
        """Organisations this request claimed: settled when the operation ends."""

    async def lookup(self, org: str, registry: str | None) -> Access:
        key = (org, registry)
        pending = self._lookups.get(key)
        if pending is None and registry is None:
            # the organisation's facts come with any of its registries' (a link checks WRITE on
            # the registry, then READ on the organisation): no second round trip for them
            known = next((value for (o, _), value in self._lookups.items() if o == org), None)
            if known is not None:
                facts = await asyncio.shield(known)
                return replace(
                    facts, registry_exists=False, registry_visibility=None, registry_role=None
                )
        if pending is None:
            pending = asyncio.ensure_future(
                grants.access_of(self.graph, self.user_id, org, registry)
            )
            self._lookups[key] = pending
        return await asyncio.shield(pending)

    def forget(self, org: str) -> None:
        """Drop what this request learnt about `org` (after this request changed it)."""
        for key in [key for key in self._lookups if key[0] == org]:
            del self._lookups[key]


@dataclass(frozen=True)
class Caller:
    """The principal of one request: a user authenticated by an API key, or anonymous."""

    user_id: str | None = None
    name: str = "anonymous"
    is_server_admin: bool = False
    key_id: str | None = None
    refused: str | None = None
    """Why the credentials sent were refused (they were sent, so this is not anonymous)."""
    anonymous_read: bool = False
    access: AccessCache | None = field(default=None, compare=False, repr=False)
    public: AccessCache | None = field(default=None, compare=False, repr=False)
    """Lookups for anonymous reads (registry visibility), when those are allowed."""

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


ANONYMOUS = Caller()


def require_user(caller: Caller) -> str:
    """The caller's user id; `Unauthenticated` for anonymous or refused callers."""
    if caller.user_id is None:
        raise Unauthenticated(caller.refused or AUTHENTICATION_REQUIRED)
    return caller.user_id


def require_server_admin(caller: Caller) -> str:
    """The caller's user id if they are a server admin; else `Unauthenticated`/`Forbidden`."""
    user_id = require_user(caller)
    if not caller.is_server_admin:
        raise Forbidden("Only server admins may do this")
    return user_id


def effective_role(facts: Access, registry: str | None) -> str | None:
    """The caller's role for this scope, from their organisation and registry roles.

    A registry role counts only together with a membership of the organisation: someone who
    holds one without (granted before that rule, or left over) reaches nothing through it.
    """
    org_role = facts.org_role
    if registry is None or not facts.registry_exists or org_role is None:
        return org_role
    if org_role == "admin":
        return "admin"
    if _is_restricted(facts):
        return facts.registry_role
    return max(org_role, facts.registry_role, key=role_rank)


def _is_restricted(facts: Access) -> bool:
    return (facts.registry_visibility or "").upper() == "RESTRICTED"


def _registry_exists(facts: Access, registry: str) -> bool:
    """Whether the registry exists; the core registries of an organisation always do (they are
    created on first read)."""
    return facts.registry_exists or registry in CORE_REGISTRIES


def registry_not_found(org: str, registry: str, field: str) -> NotFound:
    """What a registry that does not exist answers; a hidden one answers the very same."""
    return NotFound(f"Registry {registry!r} not found in organization {org!r}", field=field)


def _refusal(action: Action, org: str, registry: str | None) -> Forbidden:
    scope = f"registry {org}/{registry}" if registry else f"organization {org!r}"
    return Forbidden(f"Not allowed: {action.value} in {scope} needs the {_NEEDED[action]} role")


async def decide(
    caller: Caller,
    action: Action,
    *,
    org: str,
    registry: str | None = None,
    creates: bool = True,
    registry_field: str = "registry",
    _retry: bool = True,
) -> None:
    """Return if `caller` may do `action` in `org` (and `registry`); raise `Forbidden` or
    `Unauthenticated` otherwise. May write: the first-use claim and its settlement.

    `creates=False` is for writes that never create the organisation (member changes): a missing
    one is `NotFound` instead of being claimed. In an existing organisation, a registry that does
    not exist, or that the caller may not see, is `NotFound` (field `registry_field`, the input
    that named it) for callers whose organisation role allows the action, and the refusal any
    other registry would get for everyone else: the answer never tells the two apart.
    """
    if caller.user_id is None or caller.access is None:
        if caller.refused is None and action is Action.READ and caller.anonymous_read:
            if registry is not None:
                await _require_public_registry(caller, org, registry, registry_field)
            return
        raise Unauthenticated(caller.refused or AUTHENTICATION_REQUIRED)
    cache = caller.access
    facts = await cache.lookup(org, registry)
    if not facts.org_exists:
        if action is Action.READ:
            return
        if not creates:
            raise NotFound(f"Organization {org!r} not found", field="organization")
        validate_name(org, field="organization")
        alike = await organization_named_alike(cache.graph, org)
        if alike is not None:
            raise AlreadyExists(
                f"Organization {alike!r} exists, and names that differ only in case would pass "
                f"for each other: use {alike!r} or another name",
                field="organization",
            )
        held, exists = await grants.claim_organization(cache.graph, caller.user_id, org)
        cache.forget(org)
        if held:
            cache.claimed.add(org)
        if exists and _retry:
            await decide(
                caller,
                action,
                org=org,
                registry=registry,
                creates=False,
                registry_field=registry_field,
                _retry=False,
            )
            return
        if held or caller.is_server_admin:
            return
        raise Forbidden(f"Organization {org!r} is being created by another user")
    if facts.org_role is None and facts.claimed_by == caller.user_id:
        await grants.settle_claim(cache.graph, caller.user_id, org)
        cache.forget(org)
        facts = await cache.lookup(org, registry)
    needed = role_rank(_NEEDED[action])
    if registry is not None:
        exists = _registry_exists(facts, registry)
        if caller.is_server_admin:
            if not exists:
                raise registry_not_found(org, registry, registry_field)
            return
        if not exists or effective_role(facts, registry) is None:
            # missing, or hidden from this caller: answer as the missing registry would
            if role_rank(facts.org_role) >= needed:
                raise registry_not_found(org, registry, registry_field)
            raise _refusal(action, org, registry)
    if caller.is_server_admin:
        return
    if role_rank(effective_role(facts, registry)) >= needed:
        return
    raise _refusal(action, org, registry)


async def _require_public_registry(caller: Caller, org: str, registry: str, field: str) -> None:
    """For anonymous readers: `NotFound` unless `registry` of `org` exists and is not
    RESTRICTED (those they never see), the same answer either way."""
    if caller.public is None:
        raise registry_not_found(org, registry, field)
    facts = await caller.public.lookup(org, registry)
    if not facts.org_exists:
        return  # nothing to read in an organisation that does not exist
    if not _registry_exists(facts, registry) or _is_restricted(facts):
        raise registry_not_found(org, registry, field)


async def allowed(caller: Caller, action: Action, *, org: str, registry: str | None = None) -> bool:
    """Like `decide`, as a boolean: for filtering lists (e.g. registries a caller may see).
    A registry that is missing or hidden from the caller is False."""
    try:
        await decide(caller, action, org=org, registry=registry)
    except (Forbidden, Unauthenticated, NotFound):
        return False
    return True


async def authenticate(
    authorization: str | None,
    graph: Graph,
    *,
    anonymous_read: bool = False,
    session: str | None = None,
) -> Caller:
    """The caller named by an `Authorization: Bearer <key>` header, else by the browser
    session token `session` (the cookie's value; the caller checked the CSRF rule first).

    Neither: anonymous. A header that is not a valid, unrevoked key, or a session that has
    ended (signed out, expired, its key revoked): a refused caller, who gets `UNAUTHENTICATED`
    from every resolver. Looked up on every request (no cache).
    """
    if authorization is None or not authorization.strip():
        if session:
            return await _session_caller(graph, session)
        if not anonymous_read:
            return ANONYMOUS
        return Caller(anonymous_read=True, public=AccessCache(graph, ""))
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return Caller(refused="Malformed Authorization header: use 'Bearer <API key>'")
    owner = await owner_of_key(graph, token.strip())
    if owner is None:
        return Caller(refused="Invalid or revoked API key")
    return await _key_caller(graph, owner)


SESSION_ENDED = (
    "The browser session has ended (signed out, expired or its key revoked): sign in again"
)


async def _session_caller(graph: Graph, session: str) -> Caller:
    owner = await session_owner(graph, session)
    if owner is None:
        return Caller(refused=SESSION_ENDED)
    return await _key_caller(graph, owner)


async def _key_caller(graph: Graph, owner: KeyOwner) -> Caller:
    try:
        await touch_key(graph, owner)
    except Exception:  # the last-used time is a hint; never fail a request for it
        log.warning("could not record API key use", exc_info=True)
    return Caller(
        user_id=owner.user_id,
        name=owner.user_name,
        is_server_admin=owner.is_server_admin,
        key_id=owner.key_id,
        access=AccessCache(graph, owner.user_id),
    )
