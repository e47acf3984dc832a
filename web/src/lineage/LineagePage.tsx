export function LineagePage() {
  return <div>Lineage</div>;
}
