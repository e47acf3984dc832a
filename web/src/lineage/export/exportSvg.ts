// The current view as a standalone SVG, drawn from the layout model (every node and edge of the
// view, on screen or not), not from the page's DOM. Text is escaped as XML character data, so a
// label such as `<img src=x onerror=...>` stays text in any viewer.
import type { ViewEdge, ViewModel, ViewNode } from "../viewTypes";

const PADDING = 24;
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

/** Fill and stroke per kind, the page's colours: runs green, versions blue. */
const COLOURS: Record<ViewNode["kind"], { fill: string; stroke: string; text: string; subtext: string }> = {
  run: { fill: "#dcfce7", stroke: "#16a34a", text: "#14532d", subtext: "#15803d" },
  version: { fill: "#dbeafe", stroke: "#2563eb", text: "#1e3a8a", subtext: "#1d4ed8" },
  cluster: { fill: "#f3f4f6", stroke: "#6b7280", text: "#111827", subtext: "#4b5563" },
};
const SEED_STROKE = "#f59e0b";
const EDGE_COLOURS: Record<ViewEdge["kind"], string> = { CONSUMED: "#64748b", PRODUCED: "#334155" };

// XML 1.0 allows no C0 controls but tab, newline and carriage return (nor lone surrogates);
// they would make the document unparsable, so they are dropped.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `value` as XML character data or attribute text. */
export function escapeXml(value: string): string {
  return value
    .replace(NOT_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Shorten `text` to about what fits in `width` pixels at `fontSize` (the full text is in <title>). */
function fit(text: string, width: number, fontSize: number, bold: boolean): string {
  const chars = Math.max(4, Math.floor(width / (fontSize * (bold ? 0.66 : 0.6))));
  const letters = Array.from(text);
  return letters.length <= chars ? text : `${letters.slice(0, chars - 1).join("")}…`;
}

function number(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 10) / 10) : "0";
}

/** The lines a node shows, top to bottom: a version its type above `name:vN`, a run its name
 * above its job type, then what tells it apart from a namesake. */
function lines(node: ViewNode): { text: string; size: number; bold: boolean; colour: "text" | "subtext" }[] {
  const main = { text: node.label, size: 13, bold: true, colour: "text" as const };
  const sub = { text: node.sublabel, size: 11, bold: false, colour: "subtext" as const };
  const ordered = node.kind === "version" ? [sub, main] : [main, sub];
  const shown = ordered.filter((line) => line.text !== "");
  if (node.disambiguation) shown.push({ text: node.disambiguation, size: 10, bold: false, colour: "subtext" });
  return shown;
}

function nodeSvg(node: ViewNode): string {
  const colours = COLOURS[node.kind];
  const stroke = node.seed ? SEED_STROKE : colours.stroke;
  const strokeWidth = node.seed ? 3 : 1.5;
  const shown = lines(node);
  const total = shown.reduce((sum, line) => sum + line.size * 1.3, 0);
  let y = node.height / 2 - total / 2;
  const texts = shown.map((line) => {
    y += line.size * 1.3;
    return (
      `<text x="${number(node.width / 2)}" y="${number(y - line.size * 0.3)}" text-anchor="middle" ` +
      `font-family="${FONT}" font-size="${line.size}"${line.bold ? ' font-weight="600"' : ""} ` +
      `fill="${colours[line.colour]}">${escapeXml(fit(line.text, node.width - 16, line.size, line.bold))}</text>`
    );
  });
  const title = [node.kind === "version" ? node.sublabel : "", node.label, node.kind === "version" ? "" : node.sublabel, node.disambiguation]
    .filter((part) => part !== "")
    .join(" · ");
  const dash = node.kind === "cluster" ? ' stroke-dasharray="5 3"' : "";
  return (
    `<g class="node" data-id="${escapeXml(node.id)}" data-kind="${node.kind}"${node.seed ? ' data-seed="true"' : ""} ` +
    `transform="translate(${number(node.x)},${number(node.y)})">` +
    `<title>${escapeXml(title)}</title>` +
    `<rect width="${number(node.width)}" height="${number(node.height)}" rx="${node.kind === "run" ? 14 : 4}" ` +
    `fill="${colours.fill}" stroke="${stroke}" stroke-width="${strokeWidth}"${dash}/>` +
    texts.join("") +
    `</g>`
  );
}

function edgeSvg(edge: ViewEdge, nodes: Map<string, ViewNode>): string | null {
  const source = nodes.get(edge.source);
  const target = nodes.get(edge.target);
  if (!source || !target) return null;
  // Left to right: from the source's right side to the target's left side, as drawn on the page.
  const x1 = source.x + source.width;
  const y1 = source.y + source.height / 2;
  const x2 = target.x;
  const y2 = target.y + target.height / 2;
  const bend = Math.max(30, Math.abs(x2 - x1) / 2);
  const d = `M${number(x1)},${number(y1)} C${number(x1 + bend)},${number(y1)} ${number(x2 - bend)},${number(y2)} ${number(x2)},${number(y2)}`;
  return (
    `<path class="edge" data-source="${escapeXml(edge.source)}" data-target="${escapeXml(edge.target)}" ` +
    `data-kind="${edge.kind}" d="${d}" fill="none" stroke="${EDGE_COLOURS[edge.kind]}" stroke-width="1.5" ` +
    `marker-end="url(#arrow-${edge.kind.toLowerCase()})"/>`
  );
}

/** The smallest box holding every node, padded. */
export function bounds(model: ViewModel): { x: number; y: number; width: number; height: number } {
  if (model.nodes.length === 0) return { x: 0, y: 0, width: 2 * PADDING, height: 2 * PADDING };
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const node of model.nodes) {
    minX = Math.min(minX, node.x);
    minY = Math.min(minY, node.y);
    maxX = Math.max(maxX, node.x + node.width);
    maxY = Math.max(maxY, node.y + node.height);
  }
  return { x: minX - PADDING, y: minY - PADDING, width: maxX - minX + 2 * PADDING, height: maxY - minY + 2 * PADDING };
}

/** Every node (`<g class="node">`) and edge (`<path class="edge">`) of `model` as an SVG document
 * whose viewBox fits them all; edges whose ends are not in the model are left out. */
export function exportSvg(model: ViewModel): string {
  const box = bounds(model);
  const byId = new Map(model.nodes.map((node) => [node.id, node]));
  const markers = (Object.keys(EDGE_COLOURS) as ViewEdge["kind"][])
    .map(
      (kind) =>
        `<marker id="arrow-${kind.toLowerCase()}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" ` +
        `orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${EDGE_COLOURS[kind]}"/></marker>`,
    )
    .join("");
  const edges = model.edges.map((edge) => edgeSvg(edge, byId)).filter((svg): svg is string => svg !== null);
  const nodes = model.nodes.map(nodeSvg);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" ` +
    `viewBox="${number(box.x)} ${number(box.y)} ${number(box.width)} ${number(box.height)}" ` +
    `width="${number(box.width)}" height="${number(box.height)}">` +
    `<title>Lineage</title>` +
    `<defs>${markers}</defs>` +
    `<rect class="background" x="${number(box.x)}" y="${number(box.y)}" width="${number(box.width)}" height="${number(box.height)}" fill="#ffffff"/>` +
    `<g class="edges">${edges.join("")}</g>` +
    `<g class="nodes">${nodes.join("")}</g>` +
    `</svg>\n`
  );
}
