"""Make the creator of an organisation its admin as soon as the creating request ends.

`decide` claims a name that does not exist yet before the write that creates the organisation
(see `graph.access.facts`). This extension settles the claims of the request once its operation has
run, so the creator is a member from the next request on without a write on that request's path.
A claim left unsettled (the process died in between) is settled by `decide` on the creator's next
authorisation in that organisation.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from api.authz import Caller
from graph.access.facts import settle_claim

log = logging.getLogger("lineage.authz")


class SettleClaims(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        yield
        caller = getattr(self.execution_context.context, "caller", None)
        if not isinstance(caller, Caller) or caller.access is None or caller.user_id is None:
            return
        cache = caller.access
        for org in sorted(cache.claimed):
            try:
                if await settle_claim(cache.graph, caller.user_id, org) is not None:
                    cache.forget(org)
            except Exception:  # decide settles it on the creator's next request instead
                log.warning("could not settle an organisation claim", exc_info=True)
        cache.claimed.clear()
