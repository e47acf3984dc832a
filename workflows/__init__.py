"""Work that needs the graph and the blob store together, kept apart from the GraphQL edge.

Committing a draft, checking its blobs, reading manifest pages, issuing upload and download
targets and sweeping expired data each touch Neo4j (`graph`) and the blobs (`storage`) in one
piece of work. Their functions take what they use of `(graph, blobs, settings)`, in that
order: a `graph.core.driver.Graph`, a `storage.base.BlobStore` and a `WorkflowSettings`; never
a request context or a schema type, so tests, scripts and the API call them alike. The caller
authorises first; these functions only do the work.

`workflows` imports `graph` and `storage` only; `api` imports `workflows`; `graph` and
`storage` never import it.
"""
