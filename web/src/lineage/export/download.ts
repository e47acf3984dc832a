// Saving a blob as a file, without a server round trip.

/** Offer `blob` as a download named `filename`. */
export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = filename;
  anchor.rel = "noopener";
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  // The download has started from the URL by now; keep it a moment for slow browsers.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name from user-controlled text: letters, digits, `.`, `_` and `-` only. */
export function safeFilename(stem: string, extension: string): string {
  const cleaned = stem.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 100);
  return `${cleaned || "lineage"}.${extension}`;
}
