// URLs of the registry pages and the registry paths the API speaks (`org/registry-r/c[:vN]`).
import { paths } from "../common";

export function registryPage(org: string, registry: string): string {
  return `${paths.registries(org)}/${encodeURIComponent(registry)}`;
}

export function collectionPage(org: string, registry: string, collection: string): string {
  return `${registryPage(org, registry)}/${encodeURIComponent(collection)}`;
}

/** The API path of a collection: `org/registry-r/c`. */
export function collectionPath(org: string, registry: string, collection: string): string {
  return `${org}/registry-${registry}/${collection}`;
}
