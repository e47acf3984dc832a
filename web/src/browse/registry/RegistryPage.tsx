// One registry: its settings and a search over its collections with the API's own filters
// (name, description, type, tags any/all, creation time), paged with the total. The search and
// the page are in the URL, so a search can be reloaded or shared.
import { useState, type FormEvent } from "react";
import { graphql, type VariablesOf } from "../../graphql";
import { Link, navigate, usePlace } from "../../router";
import { Breadcrumbs, NotFound, Pager, Show, formatDate, paths, useQuery } from "../common";
import { LinkByPath } from "./LinkVersionForm";
import { collectionPage, registryPage } from "./places";

const PAGE_SIZE = 20;

const REGISTRY_SEARCH = graphql(`
  query RegistryCollections(
    $org: String!
    $registry: String!
    $filter: CollectionFilter
    $order: CollectionOrder!
    $first: Int!
    $after: String
  ) {
    registry(organization: $org, name: $registry) {
      id
      name
      description
      isCore
      acceptsAnyType
      acceptedTypes
      visibility
      protectedAliases
      createdAt
      createdBy
      path
      collections(filter: $filter, orderBy: $order, first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            name
            type
            description
            tags
            createdAt
            createdBy
            versionCount
          }
        }
      }
    }
  }
`);

type Filter = NonNullable<VariablesOf<typeof REGISTRY_SEARCH>["filter"]>;

/** The search as the URL holds it (every field a string; empty means "not given"). */
interface Search {
  name: string;
  match: string; // prefix | contains | eq
  matchCase: string; // "1" to match case
  description: string;
  type: string;
  tags: string;
  tagMode: string; // any | all
  createdAfter: string;
  createdBefore: string;
  order: string; // NAME | NEWEST
}

const SEARCH_KEYS: (keyof Search)[] = [
  "name",
  "match",
  "matchCase",
  "description",
  "type",
  "tags",
  "tagMode",
  "createdAfter",
  "createdBefore",
  "order",
];

function searchFromUrl(params: URLSearchParams): Search {
  const value = (key: keyof Search, fallback = "") => params.get(key) ?? fallback;
  return {
    name: value("name"),
    match: value("match", "prefix"),
    matchCase: value("matchCase"),
    description: value("description"),
    type: value("type"),
    tags: value("tags"),
    tagMode: value("tagMode", "any"),
    createdAfter: value("createdAfter"),
    createdBefore: value("createdBefore"),
    order: value("order", "NAME"),
  };
}

function splitTags(text: string): string[] {
  return text
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);
}

/** A `datetime-local` value (no zone: the API reads it as UTC) with seconds. */
function dateTime(value: string): string {
  return value.length === 16 ? `${value}:00` : value;
}

function filterOf(search: Search): Filter | null {
  const filter: Filter = {};
  const ignoreCase = search.matchCase !== "1";
  if (search.name) {
    if (search.match === "contains") filter.name = { contains: search.name, ignoreCase };
    else if (search.match === "eq") filter.name = { eq: search.name, ignoreCase };
    else filter.name = { prefix: search.name, ignoreCase };
  }
  if (search.description) filter.description = { contains: search.description, ignoreCase };
  if (search.type) filter.type = search.type;
  const tags = splitTags(search.tags);
  if (tags.length) {
    if (search.tagMode === "all") filter.tagsAll = tags;
    else filter.tagsAny = tags;
  }
  if (search.createdAfter) filter.createdAfter = dateTime(search.createdAfter);
  if (search.createdBefore) filter.createdBefore = dateTime(search.createdBefore);
  return Object.keys(filter).length ? filter : null;
}

function urlOf(base: string, search: Search, pages: string[]): string {
  const params = new URLSearchParams();
  const defaults = searchFromUrl(new URLSearchParams());
  for (const key of SEARCH_KEYS) if (search[key] && search[key] !== defaults[key]) params.set(key, search[key]);
  if (pages.length) params.set("pages", pages.join(","));
  const query = params.toString();
  return query ? `${base}?${query}` : base;
}

export function RegistryPage({ org, registry }: { org: string; registry: string }) {
  const { search: params } = usePlace();
  const search = searchFromUrl(params);
  // The cursors of the pages before this one, so "Previous" works after a reload too.
  const pages = (params.get("pages") ?? "").split(",").filter(Boolean);
  const base = registryPage(org, registry);
  const { result, reload } = useQuery(REGISTRY_SEARCH, {
    org,
    registry,
    filter: filterOf(search),
    order: search.order === "NEWEST" ? "NEWEST" : "NAME",
    first: PAGE_SIZE,
    after: pages.length ? pages[pages.length - 1] : null,
  });
  return (
    <section className="browse registry-page">
      <Breadcrumbs
        items={[
          { label: org, to: paths.org(org) },
          { label: "Registries", to: paths.registries(org) },
          { label: registry },
        ]}
      />
      <Show result={result}>
        {(data) => {
          const found = data.registry;
          if (!found) return <NotFound what={`The registry ${registry}`} />;
          const connection = found.collections;
          const collections = connection.edges.map((edge) => edge.node);
          return (
            <>
              <header className="registry-header">
                <h1>
                  Registry {found.name} {found.isCore && <span className="badge">core</span>}
                </h1>
                {found.description && <p>{found.description}</p>}
                <dl className="facts registry-facts">
                  <dt>Accepts</dt>
                  <dd>{found.acceptsAnyType ? "any artifact type" : found.acceptedTypes.join(", ")}</dd>
                  <dt>Visibility</dt>
                  <dd>{found.visibility === "RESTRICTED" ? "restricted to its members" : "the whole organisation"}</dd>
                  <dt>Protected aliases</dt>
                  <dd>{found.protectedAliases.length ? found.protectedAliases.join(", ") : "none"}</dd>
                  <dt>Created</dt>
                  <dd>
                    {formatDate(found.createdAt)} by {found.createdBy}
                  </dd>
                </dl>
              </header>
              <SearchForm
                key={params.toString()}
                initial={search}
                types={found.acceptsAnyType ? null : found.acceptedTypes}
                onSearch={(next) => navigate(urlOf(base, next, []))}
              />
              <div data-testid="collection-results">
                <Pager
                  total={connection.totalCount}
                  shown={collections.length}
                  offset={pages.length * PAGE_SIZE}
                  hasNext={connection.pageInfo.hasNextPage}
                  noun={connection.totalCount === 1 ? "collection" : "collections"}
                  onPrevious={pages.length ? () => navigate(urlOf(base, search, pages.slice(0, -1))) : undefined}
                  onNext={() => {
                    const cursor = connection.pageInfo.endCursor;
                    if (cursor) navigate(urlOf(base, search, [...pages, cursor]));
                  }}
                />
                {collections.length === 0 ? (
                  <p className="empty" data-testid="no-collections">
                    {filterOf(search) ? "No collection matches this search." : "This registry has no collections yet."}
                  </p>
                ) : (
                  <table className="table registry-table" aria-label="Collections">
                    <thead>
                      <tr>
                        <th>Collection</th>
                        <th>Type</th>
                        <th>Versions</th>
                        <th>Tags</th>
                        <th>Description</th>
                        <th>Created</th>
                      </tr>
                    </thead>
                    <tbody>
                      {collections.map((collection) => (
                        <tr key={collection.id} data-testid="collection-row">
                          <td>
                            <Link to={collectionPage(org, registry, collection.name)}>{collection.name}</Link>
                          </td>
                          <td>{collection.type}</td>
                          <td>{collection.versionCount}</td>
                          <td>
                            {collection.tags.map((tag) => (
                              <span key={tag} className="chip tag">
                                {tag}
                              </span>
                            ))}
                          </td>
                          <td>{collection.description}</td>
                          <td>
                            {formatDate(collection.createdAt)} by {collection.createdBy}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </div>
              <LinkByPath org={org} registry={found.name} onLinked={reload} />
            </>
          );
        }}
      </Show>
    </section>
  );
}

function SearchForm({
  initial,
  types,
  onSearch,
}: {
  initial: Search;
  types: readonly string[] | null;
  onSearch: (search: Search) => void;
}) {
  const [search, setSearch] = useState<Search>(initial);
  const field = (key: keyof Search) => ({
    value: search[key],
    onChange: (event: { target: { value: string } }) => setSearch({ ...search, [key]: event.target.value }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(search);
  };
  const clear = () => onSearch(searchFromUrl(new URLSearchParams()));
  return (
    <form className="filters registry-search" role="search" aria-label="Search collections" onSubmit={submit}>
      <label>
        Name
        <input name="name" type="search" {...field("name")} />
      </label>
      <label>
        Name match
        <select name="match" {...field("match")}>
          <option value="prefix">starts with</option>
          <option value="contains">contains</option>
          <option value="eq">is exactly</option>
        </select>
      </label>
      <label>
        Description contains
        <input name="description" type="search" {...field("description")} />
      </label>
      <label className="inline">
        <input
          type="checkbox"
          checked={search.matchCase === "1"}
          onChange={(event) => setSearch({ ...search, matchCase: event.target.checked ? "1" : "" })}
        />
        Match case
      </label>
      <label>
        Type
        {types ? (
          <select name="type" {...field("type")}>
            <option value="">any</option>
            {types.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        ) : (
          <input name="type" {...field("type")} />
        )}
      </label>
      <label>
        Tags (comma separated)
        <input name="tags" {...field("tags")} />
      </label>
      <label>
        Tags match
        <select name="tagMode" {...field("tagMode")}>
          <option value="any">any of them</option>
          <option value="all">all of them</option>
        </select>
      </label>
      <label>
        Created at or after (UTC)
        <input name="createdAfter" type="datetime-local" {...field("createdAfter")} />
      </label>
      <label>
        Created before (UTC)
        <input name="createdBefore" type="datetime-local" {...field("createdBefore")} />
      </label>
      <label>
        Order
        <select name="order" {...field("order")}>
          <option value="NAME">by name</option>
          <option value="NEWEST">newest first</option>
        </select>
      </label>
      <div className="registry-search-buttons">
        <button type="submit">Search</button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
