// Browse pages by path. Registry pages live in ./registry (their own router below
// /orgs/:org/registries); everything else here.
import { usePlace } from "../router";
import { RegistryRoutes } from "./registry/RegistryRoutes";

export function BrowseRoutes() {
  const { path } = usePlace();
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "orgs" && parts[2] === "registries") return <RegistryRoutes org={parts[1]} rest={parts.slice(3)} />;
  return <div>Browse</div>;
}
