"""`artifactVersionDiff`: what changed between two versions of an artifact (files by digest,
metadata by key, sizes)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.artifacts import loaders
from api.artifacts.ids import node_id_of
from api.artifacts.scalars import BigInt
from api.artifacts.types import ArtifactVersion
from api.authz import Action
from api.context import Context
from api.pagination import After, Connection, First, connection, page_of
from graph.core.errors import InvalidInput, NotFound
from workflows.diff import Change, FileChange, FilesDiff, diff_files


@strawberry.enum(description="How a file differs between the two versions.")
class FileChangeKind(Enum):
    ADDED = strawberry.enum_value("ADDED", description="Only in `to`.")
    REMOVED = strawberry.enum_value("REMOVED", description="Only in `from`.")
    CHANGED = strawberry.enum_value(
        "CHANGED", description="In both, with another digest, size or reference."
    )


@strawberry.type(description="One file that differs, with its entry on each side.")
class FileDiff:
    path: str = strawberry.field(description="The file's path inside the artifact.")
    change: FileChangeKind = strawberry.field(description="Added, removed or changed.")
    digest_before: str | None = strawberry.field(description="Its sha256 in `from`, if any.")
    digest_after: str | None = strawberry.field(description="Its sha256 in `to`, if any.")
    size_before: BigInt | None = strawberry.field(description="Its bytes in `from`, if any.")
    size_after: BigInt | None = strawberry.field(description="Its bytes in `to`, if any.")
    ref_before: str | None = strawberry.field(description="Its reference in `from`, if any.")
    ref_after: str | None = strawberry.field(description="Its reference in `to`, if any.")

    @classmethod
    def of(cls, change: FileChange) -> FileDiff:
        a, b = change.before, change.after
        return cls(
            path=change.path,
            change=FileChangeKind(change.change.value),
            digest_before=None if a is None else a.digest,
            digest_after=None if b is None else b.digest,
            size_before=None if a is None or a.size is None else BigInt(a.size),
            size_after=None if b is None or b.size is None else BigInt(b.size),
            ref_before=None if a is None else a.ref,
            ref_after=None if b is None else b.ref,
        )


@strawberry.type(description="A top-level metadata key whose value differs.")
class MetadataChange:
    key: str = strawberry.field(description="The key.")
    before: JSON | None = strawberry.field(description="Its value in `from`; null when absent.")
    after: JSON | None = strawberry.field(description="Its value in `to`; null when absent.")


@strawberry.type(description="What changed from one version of an artifact to another.")
class ArtifactVersionDiff:
    from_version: ArtifactVersion = strawberry.field(name="from", description="The older side.")
    to_version: ArtifactVersion = strawberry.field(name="to", description="The newer side.")
    files_added: int = strawberry.field(description="Files only in `to`.")
    files_removed: int = strawberry.field(description="Files only in `from`.")
    files_changed: int = strawberry.field(description="Files in both whose content differs.")
    files_truncated: bool = strawberry.field(
        description="True when more files differ than `files` lists (100,000 at most); the "
        "counts are exact."
    )
    size_before: BigInt = strawberry.field(description="Total bytes of `from`.")
    size_after: BigInt = strawberry.field(description="Total bytes of `to`.")
    size_delta: BigInt = strawberry.field(description="`sizeAfter - sizeBefore` (may be < 0).")
    metadata_changes: list[MetadataChange] = strawberry.field(
        description="Top-level metadata keys added, removed or changed, by key."
    )
    description_changed: bool = strawberry.field(description="Whether the descriptions differ.")
    diff: strawberry.Private[FilesDiff]

    @strawberry.field(description="The files that differ, in path order.")
    def files(self, first: First = None, after: After = None) -> Connection[FileDiff]:
        page = page_of(first, after, default=20, maximum=100)
        items = self.diff.changes[page.offset : page.offset + page.limit]
        return connection(items, len(self.diff.changes), page, FileDiff.of)


def _metadata_changes(before: dict[str, Any], after: dict[str, Any]) -> list[MetadataChange]:
    return [
        MetadataChange(key=key, before=before.get(key), after=after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]


@strawberry.type
class ArtifactDiffQuery:
    @strawberry.field(
        description="What changed between two versions of the same artifact: files added, "
        "removed and changed (by digest), metadata keys, descriptions and sizes. Null when "
        "either version does not exist (or is deleted: its files may be gone)."
    )
    async def artifact_version_diff(
        self,
        info: Info[Context, None],
        from_: Annotated[
            strawberry.ID,
            strawberry.argument(name="from", description="Global id of the older version."),
        ],
        to: Annotated[strawberry.ID, strawberry.argument(description="Global id of the newer.")],
    ) -> ArtifactVersionDiff | None:
        ids = [
            node_id_of(from_, "ArtifactVersion", field="from"),
            node_id_of(to, "ArtifactVersion", field="to"),
        ]
        records = await info.context.loaders.get(loaders.load_versions).load_many(ids)
        if any(record is None for record in records):
            return None
        before, after = records
        assert before is not None and after is not None
        await info.context.authorize(Action.READ, org=before.org_name)
        if before.artifact_id != after.artifact_id:
            raise InvalidInput("Both versions must be versions of one artifact", field="to")
        layouts = await info.context.loaders.get(loaders.load_layouts).load_many(ids)
        if layouts[0] is None or layouts[1] is None:
            raise NotFound("A version was deleted while the request ran", field="to")
        files = await diff_files(info.context.blobs, layouts[0], layouts[1])
        return ArtifactVersionDiff(
            from_version=ArtifactVersion.from_record(before),
            to_version=ArtifactVersion.from_record(after),
            files_added=files.counts[Change.ADDED],
            files_removed=files.counts[Change.REMOVED],
            files_changed=files.counts[Change.CHANGED],
            files_truncated=files.truncated,
            size_before=BigInt(before.size),
            size_after=BigInt(after.size),
            size_delta=BigInt(after.size - before.size),
            metadata_changes=_metadata_changes(before.metadata, after.metadata),
            description_changed=(before.description or "") != (after.description or ""),
            diff=files,
        )
