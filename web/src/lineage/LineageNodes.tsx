// How one item of the graph is drawn: runs green, versions blue (type above `name:vN`), clusters
// as a stack with their count; the eye button hides, the side handles expand or collapse.
import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { createContext, memo, useContext, type MouseEvent } from "react";
import type { Way } from "./viewState";
import type { ViewNode } from "./viewTypes";

export type Side = "expand" | "collapse" | null;

export type ItemNodeData = {
  view: ViewNode;
  /** Whether it may be hidden (not the seed). */
  hideable: boolean;
  downstream: Side;
  upstream: Side;
  /** Loading an expansion from this node. */
  busy: boolean;
  path: boolean;
};

export type NoteNodeData = { text: string; action: string | null; noteKind: string };

export type ItemNode = Node<ItemNodeData, "item">;
export type NoteNode = Node<NoteNodeData, "note">;

export interface LineageActions {
  hide(id: string): void;
  expand(id: string, way: Way, side: Side): void;
  loadMore(kind: string): void;
}

export const ActionsContext = createContext<LineageActions>({ hide() {}, expand() {}, loadMore() {} });

function stop(event: MouseEvent) {
  event.stopPropagation();
}

function EyeIcon() {
  return (
    <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true">
      <path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z" fill="none" stroke="currentColor" strokeWidth="2" />
      <circle cx="12" cy="12" r="3" fill="currentColor" />
      <path d="M4 20 20 4" stroke="currentColor" strokeWidth="2" />
    </svg>
  );
}

function SideButton({ id, label, way, side, busy }: { id: string; label: string; way: Way; side: Side; busy: boolean }) {
  const actions = useContext(ActionsContext);
  if (side === null) return null;
  const words = side === "expand" ? "Expand" : "Collapse";
  const where = way === "DOWNSTREAM" ? "downstream" : "upstream";
  return (
    <button
      type="button"
      className={`lnode-side nodrag nopan ${way === "DOWNSTREAM" ? "right" : "left"} ${side}`}
      aria-label={`${words} ${label} ${where}`}
      title={`${words} ${where}`}
      disabled={busy}
      onClick={(event) => {
        stop(event);
        actions.expand(id, way, side);
      }}
    >
      {busy ? "…" : side === "expand" ? "+" : "−"}
    </button>
  );
}

function ItemNodeView({ id, data, selected }: NodeProps<ItemNode>) {
  const actions = useContext(ActionsContext);
  const view = data.view;
  const classes = ["lnode", `lnode-${view.kind}`];
  if (view.seed) classes.push("seed");
  if (selected) classes.push("selected");
  if (data.path) classes.push("path");
  let body;
  if (view.kind === "version") {
    body = (
      <>
        <div className="lnode-sub">{view.sublabel}</div>
        <div className="lnode-name" title={view.label}>{view.label}</div>
      </>
    );
  } else if (view.kind === "run") {
    body = (
      <>
        <div className="lnode-name" title={view.label}>{view.label}</div>
        <div className="lnode-sub">{view.sublabel}</div>
      </>
    );
  } else {
    body = (
      <>
        <div className="lnode-name" title={view.label}>{view.label}</div>
        <div className="lnode-sub">{view.sublabel === "other" ? "more of this level" : `cluster · ${view.sublabel}`}</div>
      </>
    );
  }
  return (
    <div className={classes.join(" ")}>
      <Handle type="target" position={Position.Left} isConnectable={false} className="lhandle" />
      <span className="lnode-icon" aria-hidden="true">
        {view.kind === "run" ? "▶" : view.kind === "version" ? "◆" : "▦"}
      </span>
      <div className="lnode-text">
        {body}
        {view.disambiguation && <div className="lnode-disamb">{view.disambiguation}</div>}
      </div>
      {data.hideable && (
        <button
          type="button"
          className="lnode-hide nodrag nopan"
          aria-label={`Hide ${view.label}`}
          title="Hide"
          onClick={(event) => {
            stop(event);
            actions.hide(id);
          }}
        >
          <EyeIcon />
        </button>
      )}
      <SideButton id={id} label={view.label} way="UPSTREAM" side={data.upstream} busy={data.busy} />
      <SideButton id={id} label={view.label} way="DOWNSTREAM" side={data.downstream} busy={data.busy} />
      <Handle type="source" position={Position.Right} isConnectable={false} className="lhandle" />
    </div>
  );
}

function NoteNodeView({ data }: NodeProps<NoteNode>) {
  const actions = useContext(ActionsContext);
  return (
    <div className="lnote" role="status">
      <span>{data.text}</span>
      {data.action && (
        <button type="button" className="nodrag nopan" onClick={() => actions.loadMore(data.noteKind)}>
          {data.action}
        </button>
      )}
    </div>
  );
}

export const nodeTypes = { item: memo(ItemNodeView), note: memo(NoteNodeView) };
