package lineage;

import java.util.*;
import java.util.stream.Stream;
import org.neo4j.graphdb.*;
import org.neo4j.procedure.*;

/**
 * PROTOTYPE, not built by CI and not used by the API (see README.md beside it).
 *
 * The level-by-level walk of graph/lineage/traversal.py + levels.py run inside the server as one
 * procedure call instead of one Cypher query per level: the same hop per step, the COMMITTED
 * filter on versions, distinct new nodes, the `seen` rule (only nodes with two or more edges in
 * the walk direction are remembered), grouping (runs by job_type, versions by artifact_id,
 * largest first, then key), the round-robin `carried` sample of at most `cap` nodes and the
 * shared node budget. Left out: hidden/job_types/artifact_types/as_of filters, cluster labels,
 * previews, loose nodes with created_at, display-key edges, the time budget.
 */
public class Walk {
    @Context public Transaction tx;

    public static class LevelOut {
        public long distance; public long total; public long groups; public long carried; public long multi;
        public List<String> keys; public List<Long> sizes;
        LevelOut(long d, long t, long g, long c, long m, List<String> k, List<Long> s) {
            distance = d; total = t; groups = g; carried = c; multi = m; keys = k; sizes = s; }
    }

    static final RelationshipType CONSUMED = RelationshipType.withName("CONSUMED");
    static final RelationshipType PRODUCED = RelationshipType.withName("PRODUCED");
    static final Label RUN = Label.label("Run");

    @Procedure(name = "lineage.walkPrototype", mode = Mode.READ)
    public Stream<LevelOut> walk(@Name("seed") String seed, @Name("downstream") boolean down,
                                 @Name("depth") long depth, @Name("cap") long cap, @Name("scanLimit") long scanLimit) {
        Node start = tx.getNodeByElementId(seed);
        boolean isRun = start.hasLabel(RUN);
        List<Node> frontier = List.of(start);
        Set<String> seenRuns = new HashSet<>(), seenVersions = new HashSet<>();
        (isRun ? seenRuns : seenVersions).add(start.getElementId());
        List<LevelOut> out = new ArrayList<>();
        long remaining = scanLimit;
        for (int d = 1; d <= depth && !frontier.isEmpty(); d++) {
            // step: version frontier -> runs; run frontier -> versions
            RelationshipType type; Direction dir;
            if (!isRun) { type = down ? CONSUMED : PRODUCED; dir = Direction.INCOMING; }
            else { type = down ? PRODUCED : CONSUMED; dir = Direction.OUTGOING; }
            Set<String> seen = isRun ? seenVersions : seenRuns;
            LinkedHashMap<String, Node> found = new LinkedHashMap<>();
            HashMap<String, Integer> edgesFrom = new HashMap<>();
            for (Node n : frontier) {
                for (Relationship r : n.getRelationships(dir, type)) {
                    Node m = r.getOtherNode(n);
                    if (!isRun) { /* target is a run: job_types filter would go here */ }
                    else if (!"COMMITTED".equals(m.getProperty("state", null))) continue;
                    String id = m.getElementId();
                    if (found.containsKey(id)) { edgesFrom.merge(id, 1, Integer::sum); continue; }
                    if (found.size() >= remaining) continue;
                    if (seen.contains(id)) continue;
                    found.put(id, m); edgesFrom.put(id, 1);
                }
            }
            if (found.isEmpty()) break;
            String groupKey = isRun ? "artifact_id" : "job_type";
            LinkedHashMap<Object, List<Node>> groups = new LinkedHashMap<>();
            long multi = 0;
            Direction backDir = dir == Direction.INCOMING ? Direction.OUTGOING : Direction.INCOMING;
            for (Node m : found.values()) {
                groups.computeIfAbsent(m.getProperty(groupKey, null), k -> new ArrayList<>()).add(m);
                if (edgesFrom.get(m.getElementId()) > 1 || m.getDegree(type, backDir) > 1) { seen.add(m.getElementId()); multi++; }
            }
            List<Map.Entry<Object, List<Node>>> sorted = new ArrayList<>(groups.entrySet());
            sorted.sort((a, b) -> a.getValue().size() != b.getValue().size() ? b.getValue().size() - a.getValue().size()
                    : String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())));
            List<Node> next = new ArrayList<>();
            for (int r = 0; next.size() < cap; r++) {
                boolean any = false;
                for (Map.Entry<Object, List<Node>> g : sorted) {
                    if (g.getValue().size() > r) { any = true; if (next.size() < cap) next.add(g.getValue().get(r)); }
                }
                if (!any) break;
            }
            List<String> keys = new ArrayList<>(); List<Long> sizes = new ArrayList<>();
            for (Map.Entry<Object, List<Node>> g : sorted.subList(0, Math.min(20, sorted.size()))) {
                keys.add(String.valueOf(g.getKey())); sizes.add((long) g.getValue().size()); }
            out.add(new LevelOut(d, found.size(), groups.size(), next.size(), multi, keys, sizes));
            remaining -= found.size();
            frontier = next; isRun = !isRun;
        }
        return out.stream();
    }
}
