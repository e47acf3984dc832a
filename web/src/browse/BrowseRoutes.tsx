export function BrowseRoutes() {
  return <div>Browse</div>;
}
