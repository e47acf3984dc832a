// Pages below /orgs/:org/registries: the list, one registry's collection search, one collection.
import { CollectionPage } from "./CollectionPage";
import { RegistriesList } from "./RegistriesList";
import { RegistryPage } from "./RegistryPage";

export function RegistryRoutes({ org, rest }: { org: string; rest: string[] }) {
  if (rest.length === 0) return <RegistriesList org={org} />;
  if (rest.length === 1) return <RegistryPage key={rest[0]} org={org} registry={rest[0]} />;
  return <CollectionPage key={rest.join("/")} org={org} registry={rest[0]} collection={rest.slice(1).join("/")} />;
}
