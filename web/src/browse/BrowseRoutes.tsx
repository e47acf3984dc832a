// Browse pages by path. Registry pages live in ./registry (their own router below
// /orgs/:org/registries); everything else here.
import { usePlace } from "../router";
import { ArtifactPage } from "./ArtifactPage";
import { NotFound } from "./common";
import { OrganizationPage } from "./OrganizationPage";
import { OrganizationsPage } from "./OrganizationsPage";
import { ProjectPage } from "./ProjectPage";
import { RegistryRoutes } from "./registry/RegistryRoutes";
import { RunPage } from "./RunPage";
import { RunsPage } from "./RunsPage";
import { VersionPage } from "./VersionPage";

export function BrowseRoutes() {
  const { path } = usePlace();
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "orgs" && parts[2] === "registries") return <RegistryRoutes org={parts[1]} rest={parts.slice(3)} />;
  if (parts.length === 0) return <OrganizationsPage />;
  if (parts[0] === "orgs" && parts.length >= 2) {
    const org = parts[1];
    if (parts.length === 2) return <OrganizationPage org={org} />;
    if (parts[2] === "projects" && parts.length >= 4) {
      const project = parts[3];
      const rest = parts.slice(4);
      if (rest.length === 0) return <ProjectPage org={org} project={project} />;
      if (rest[0] === "runs" && rest.length === 1) return <RunsPage org={org} project={project} />;
      if (rest[0] === "runs" && rest.length === 2) return <RunPage org={org} project={project} runId={rest[1]} />;
      if (rest[0] === "artifacts" && rest.length === 2) return <ArtifactPage org={org} project={project} name={rest[1]} />;
      if (rest[0] === "artifacts" && rest.length === 3) return <VersionPage org={org} project={project} name={rest[1]} version={rest[2]} />;
    }
  }
  return <NotFound what={`The page ${path}`} />;
}
