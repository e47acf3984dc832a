// The laid-out view of the lineage page: what is drawn, exported (SVG/PNG) and navigated.
// Positions are the layout model's (graph coordinates), not screen pixels.

export type ViewNodeKind = "run" | "version" | "cluster";

export interface ViewNode {
  /** Global id of the run or version; for a cluster, the cluster's id in its walk. */
  id: string;
  kind: ViewNodeKind;
  /** Run: its name. Version: `name:vN`. Cluster: e.g. `7 runs · train`. */
  label: string;
  /** Run: job type. Version: artifact type. Cluster: what it groups. */
  sublabel: string;
  /** Tells two nodes with the same label apart (project, or type), empty when unambiguous. */
  disambiguation: string;
  x: number;
  y: number;
  width: number;
  height: number;
  seed: boolean;
}

export interface ViewEdge {
  id: string;
  source: string;
  target: string;
  /** CONSUMED: version -> run; PRODUCED: run -> version (arrows follow the data). */
  kind: "CONSUMED" | "PRODUCED";
}

export interface ViewModel {
  nodes: ViewNode[];
  edges: ViewEdge[];
}
