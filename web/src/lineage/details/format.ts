// Plain-text formatting of the values the details panel shows.

/** `1.2 MiB`, `532 B`: binary units, one decimal from KiB up. */
export function formatBytes(value: string | number): string {
  const bytes = Number(value);
  if (!Number.isFinite(bytes)) return String(value);
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let scaled = bytes;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${scaled.toFixed(1)} ${units[unit]}`;
}

/** `2h 03m`, `4m 10s`, `12.5s`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Number(seconds.toFixed(1))}s`;
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, "0")}m`;
  return `${minutes}m ${String(rest).padStart(2, "0")}s`;
}

/** An ISO timestamp as `2024-05-01 12:30:00 UTC` (the API's times are UTC). */
export function formatTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** A JSON value indented for reading; `{}` stays on one line. */
export function formatJson(value: unknown): string {
  if (value == null) return "null";
  if (typeof value === "object" && Object.keys(value).length === 0) return Array.isArray(value) ? "[]" : "{}";
  return JSON.stringify(value, null, 2);
}

/** `org/project` split in two; the project path of a lineage node. */
export function splitProjectPath(projectPath: string): { org: string; project: string } {
  const slash = projectPath.indexOf("/");
  return slash < 0 ? { org: projectPath, project: "" } : { org: projectPath.slice(0, slash), project: projectPath.slice(slash + 1) };
}
