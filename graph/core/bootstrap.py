"""Constraints, indexes and the recorded schema version, applied idempotently at start-up.

Every statement uses `IF NOT EXISTS`, so a restart is harmless; API processes starting together
(replicas on a fresh database) are too: a rule another process created in the same moment is
taken as created, and the one `(:LineageSchema {id: 'lineage'})` node is made unique before it
is merged. Data migrations run once each: the version of the last one applied is stored on that
node, advanced inside the same transaction as the migration.

The model (labels and their natural keys):
- Organization {id, name}                       name unique
- Project {id, org_id, name}                    (org_id, name) unique
- Artifact {id, project_id, name, type}         (project_id, name) unique: a name whatever the type
- ArtifactVersion {id, artifact_id, index}      (artifact_id, index) unique; digest indexed
- Blob {digest}                                 digest unique: one node per stored blob
- Alias {artifact_id, name}                     (artifact_id, name) unique: one version per alias
- Run {id, client_id, org_id, project_id, ...}  id unique; (org_id, client_id) unique: a
                                                client-chosen id is taken per organisation
- Registry {id, org_id, name}                   (org_id, name) unique
- Collection {id, registry_id, name}            (registry_id, name) unique
- CollectionAlias {collection_id, name}         (collection_id, name) unique
- User {id, name}, ApiKey {id, key_hash}        unique; AuditEvent {id} unique
- BrowserSession {token_hash}                   unique (graph/access/sessions.py)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import LiteralString

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ClientError

from graph.core.driver import Graph

SCHEMA_STATEMENTS: list[LiteralString] = [
    # the schema version's node, merged by every process at start
    "CREATE CONSTRAINT lineage_schema_id IF NOT EXISTS "
    "FOR (n:LineageSchema) REQUIRE n.id IS UNIQUE",
    # unique ids
    "CREATE CONSTRAINT organization_id IF NOT EXISTS FOR (n:Organization) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT project_id IF NOT EXISTS FOR (n:Project) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT artifact_id IF NOT EXISTS FOR (n:Artifact) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT artifact_version_id IF NOT EXISTS "
    "FOR (n:ArtifactVersion) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT run_id IF NOT EXISTS FOR (n:Run) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT registry_id IF NOT EXISTS FOR (n:Registry) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT collection_id IF NOT EXISTS FOR (n:Collection) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT user_id IF NOT EXISTS FOR (n:User) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT api_key_id IF NOT EXISTS FOR (n:ApiKey) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT audit_event_id IF NOT EXISTS FOR (n:AuditEvent) REQUIRE n.id IS UNIQUE",
    # natural keys
    "CREATE CONSTRAINT organization_name IF NOT EXISTS "
    "FOR (n:Organization) REQUIRE n.name IS UNIQUE",
    "CREATE CONSTRAINT project_key IF NOT EXISTS "
    "FOR (n:Project) REQUIRE (n.org_id, n.name) IS UNIQUE",
    "CREATE CONSTRAINT artifact_key IF NOT EXISTS "
    "FOR (n:Artifact) REQUIRE (n.project_id, n.name) IS UNIQUE",
    "CREATE CONSTRAINT artifact_version_key IF NOT EXISTS "
    "FOR (n:ArtifactVersion) REQUIRE (n.artifact_id, n.index) IS UNIQUE",
    "CREATE CONSTRAINT blob_digest IF NOT EXISTS FOR (n:Blob) REQUIRE n.digest IS UNIQUE",
    "CREATE CONSTRAINT alias_key IF NOT EXISTS "
    "FOR (n:Alias) REQUIRE (n.artifact_id, n.name) IS UNIQUE",
    "CREATE CONSTRAINT registry_key IF NOT EXISTS "
    "FOR (n:Registry) REQUIRE (n.org_id, n.name) IS UNIQUE",
    "CREATE CONSTRAINT collection_key IF NOT EXISTS "
    "FOR (n:Collection) REQUIRE (n.registry_id, n.name) IS UNIQUE",
    "CREATE CONSTRAINT collection_alias_key IF NOT EXISTS "
    "FOR (n:CollectionAlias) REQUIRE (n.collection_id, n.name) IS UNIQUE",
    "CREATE CONSTRAINT user_name IF NOT EXISTS FOR (n:User) REQUIRE n.name IS UNIQUE",
    "CREATE CONSTRAINT api_key_hash IF NOT EXISTS FOR (n:ApiKey) REQUIRE n.key_hash IS UNIQUE",
    "CREATE CONSTRAINT browser_session_token IF NOT EXISTS "
    "FOR (n:BrowserSession) REQUIRE n.token_hash IS UNIQUE",
    "CREATE CONSTRAINT run_client_key IF NOT EXISTS "
    "FOR (n:Run) REQUIRE (n.org_id, n.client_id) IS UNIQUE",
    # lookups and sorts the queries rely on
    "CREATE INDEX artifact_version_digest IF NOT EXISTS FOR (n:ArtifactVersion) ON (n.digest)",
    "CREATE INDEX artifact_version_state IF NOT EXISTS FOR (n:ArtifactVersion) ON (n.state)",
    "CREATE INDEX artifact_version_expires IF NOT EXISTS FOR (n:ArtifactVersion) ON (n.expires_at)",
    "CREATE INDEX artifact_type IF NOT EXISTS FOR (n:Artifact) ON (n.type)",
    "CREATE INDEX artifact_openlineage IF NOT EXISTS "
    "FOR (n:Artifact) ON (n.ol_namespace, n.ol_name)",
    "CREATE INDEX run_project IF NOT EXISTS FOR (n:Run) ON (n.project_id)",
    "CREATE INDEX run_job_type IF NOT EXISTS FOR (n:Run) ON (n.job_type)",
    "CREATE INDEX run_client_id IF NOT EXISTS FOR (n:Run) ON (n.client_id)",
    "CREATE INDEX collection_type IF NOT EXISTS FOR (n:Collection) ON (n.type)",
    # collection search (graph/registry/search_filters.py): per registry, the values predicates read
    "CREATE INDEX collection_registry_created IF NOT EXISTS "
    "FOR (n:Collection) ON (n.registry_id, n.created_at)",
    "CREATE INDEX collection_registry_tags IF NOT EXISTS "
    "FOR (n:Collection) ON (n.registry_id, n.tags)",
    "CREATE INDEX collection_registry_type IF NOT EXISTS "
    "FOR (n:Collection) ON (n.registry_id, n.type)",
    "CREATE INDEX collection_registry_description IF NOT EXISTS "
    "FOR (n:Collection) ON (n.registry_id, n.description)",
    # registry: one version per collection index; alias history newest first per collection
    "CREATE CONSTRAINT linked_to_index IF NOT EXISTS "
    "FOR ()-[l:LINKED_TO]-() REQUIRE (l.collection_id, l.index) IS UNIQUE",
    "CREATE INDEX collection_alias_move IF NOT EXISTS "
    "FOR (n:CollectionAliasMove) ON (n.collection_id, n.seq)",
    "CREATE CONSTRAINT collection_lock_key IF NOT EXISTS "
    "FOR (n:CollectionLock) REQUIRE n.collection_id IS UNIQUE",
    "CREATE INDEX audit_event_org IF NOT EXISTS FOR (n:AuditEvent) ON (n.org_id, n.at)",
    "CREATE INDEX browser_session_expires IF NOT EXISTS FOR (n:BrowserSession) ON (n.expires_at)",
    # access: one first-use claim per organisation name (graph/access/facts.py)
    "CREATE CONSTRAINT org_claim_name IF NOT EXISTS FOR (n:OrgClaim) REQUIRE n.org_name IS UNIQUE",
    # artifacts: garbage-collection candidates, retention policies (graph/artifacts/gc.py,
    # retention.py)
    "CREATE INDEX blob_gc_candidate IF NOT EXISTS FOR (n:Blob) ON (n.gc_candidate)",
    "CREATE INDEX artifact_keep_last IF NOT EXISTS FOR (n:Artifact) ON (n.keep_last)",
    # events (graph/core/events.py, graph/events/): one sequence per organisation, the log read
    # by cursor, swept by age; webhooks and their delivery queue, one delivery per event each
    "CREATE CONSTRAINT event_sequence_org IF NOT EXISTS "
    "FOR (n:EventSequence) REQUIRE n.org_id IS UNIQUE",
    "CREATE CONSTRAINT event_id IF NOT EXISTS FOR (n:Event) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT event_cursor IF NOT EXISTS "
    "FOR (n:Event) REQUIRE (n.org_id, n.seq) IS UNIQUE",
    "CREATE INDEX event_at IF NOT EXISTS FOR (n:Event) ON (n.at)",
    "CREATE CONSTRAINT webhook_id IF NOT EXISTS FOR (n:Webhook) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX webhook_org IF NOT EXISTS FOR (n:Webhook) ON (n.org_id)",
    "CREATE CONSTRAINT webhook_delivery_id IF NOT EXISTS "
    "FOR (n:WebhookDelivery) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT webhook_delivery_key IF NOT EXISTS "
    "FOR (n:WebhookDelivery) REQUIRE (n.webhook_id, n.event_id) IS UNIQUE",
    # history: unlinked versions by collection index (graph/registry/history.py)
    "CREATE INDEX was_linked_to_index IF NOT EXISTS "
    "FOR ()-[l:WAS_LINKED_TO]-() ON (l.collection_id, l.index)",
    # a version's history (graph/artifacts/history.py): its artifact's alias events, and the
    # collection alias moves to or from it; both labels grow with every alias move
    "CREATE INDEX alias_event_artifact IF NOT EXISTS FOR (n:AliasEvent) ON (n.artifact_id)",
    "CREATE INDEX collection_alias_move_to IF NOT EXISTS "
    "FOR (n:CollectionAliasMove) ON (n.to_version_id)",
    "CREATE INDEX collection_alias_move_from IF NOT EXISTS "
    "FOR (n:CollectionAliasMove) ON (n.from_version_id)",
    "CREATE INDEX webhook_delivery_due IF NOT EXISTS "
    "FOR (n:WebhookDelivery) ON (n.state, n.next_attempt_at)",
    "CREATE INDEX webhook_delivery_log IF NOT EXISTS "
    "FOR (n:WebhookDelivery) ON (n.webhook_id, n.created_at)",
]

Migration = Callable[[AsyncManagedTransaction], Awaitable[None]]


RUN_CLIENT_IDS: LiteralString = """
MATCH (r:Run) WHERE r.client_id IS NULL
SET r.client_id = r.id
"""


async def _run_client_ids(tx: AsyncManagedTransaction) -> None:
    """Runs from before client ids were scoped per organisation: the id a client chose was the
    run's id, so it stays the id the organisation knows the run by."""
    await tx.run(RUN_CLIENT_IDS)


# (version, migration) in ascending order from 2 (1 is the baseline of constraints above);
# append, never reorder or edit one that has been released.
MIGRATIONS: list[tuple[int, Migration]] = [(2, _run_client_ids)]

SCHEMA_VERSION_READ: LiteralString = """
MERGE (s:LineageSchema {id: 'lineage'})
ON CREATE SET s.version = 0, s.created_at = datetime()
RETURN s.version AS version
"""

# The write lock comes first (Neo4j's documented guard against lost updates): a version check
# made before it could read a value another process is about to raise, and then lower it again.
SCHEMA_VERSION_ADVANCE: LiteralString = """
MATCH (s:LineageSchema {id: 'lineage'})
SET s._lock = true
REMOVE s._lock
WITH s WHERE s.version < $version
SET s.version = $version, s.migrated_at = datetime()
RETURN s.version AS version
"""

LATEST_SCHEMA_VERSION = MIGRATIONS[-1][0] if MIGRATIONS else 1


async def _read_version_tx(tx: AsyncManagedTransaction) -> int:
    record = await (await tx.run(SCHEMA_VERSION_READ)).single(strict=True)
    return int(record["version"])


async def _migrate_tx(tx: AsyncManagedTransaction, version: int, migration: Migration) -> bool:
    """Apply one migration unless another process already did (the version check locks)."""
    result = await tx.run(SCHEMA_VERSION_ADVANCE, version=version)
    if await result.single() is None:
        return False
    await migration(tx)
    return True


async def _noop(tx: AsyncManagedTransaction) -> None:
    return None


# `IF NOT EXISTS` does not cover a rule another process is creating at the same moment.
_CREATED_MEANWHILE = frozenset(
    {
        "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
        "Neo.ClientError.Schema.ConstraintAlreadyExists",
        "Neo.ClientError.Schema.IndexAlreadyExists",
        "Neo.ClientError.Schema.ConstraintWithNameAlreadyExists",
        "Neo.ClientError.Schema.IndexWithNameAlreadyExists",
    }
)

# Stores where replicas once raced to MERGE the version node before it had a constraint hold
# two; keep the most advanced (the same one in every process), so the constraint can be made.
SCHEMA_NODE_DEDUPLICATE: LiteralString = """
MATCH (s:LineageSchema {id: 'lineage'})
WITH s ORDER BY s.version DESC, elementId(s)
WITH collect(s) AS nodes WHERE size(nodes) > 1
UNWIND nodes[1..] AS extra
DETACH DELETE extra
"""


async def bootstrap(graph: Graph) -> int:
    """Create constraints and indexes, run pending migrations, and return the schema version.

    Safe in several processes at once on the same database, fresh or not."""
    await graph.driver.execute_query(SCHEMA_NODE_DEDUPLICATE, database_=graph.database)
    for statement in SCHEMA_STATEMENTS:
        try:
            await graph.driver.execute_query(statement, database_=graph.database)
        except ClientError as error:
            if error.code not in _CREATED_MEANWHILE:
                raise
    await graph.driver.execute_query("CALL db.awaitIndexes(60)", database_=graph.database)
    version = await graph.write(_read_version_tx)
    for target, migration in [(1, _noop), *MIGRATIONS]:
        if target > version:
            await graph.write(_migrate_tx, target, migration)
    return await graph.write(_read_version_tx)
