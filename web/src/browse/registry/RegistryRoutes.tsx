export function RegistryRoutes({ org, rest }: { org: string; rest: string[] }) {
  return (
    <div>
      Registries of {org} {rest.join("/")}
    </div>
  );
}
