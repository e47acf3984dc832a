// The current view as a PNG: the exported SVG drawn onto a canvas through an Image loaded from a
// blob: URL (same origin, allowed by the page's CSP, no network request).
import type { ViewModel } from "../viewTypes";
import { bounds, exportSvg } from "./exportSvg";

// Chromium refuses canvases above 16,384 px a side or about 268 M pixels; stay well below.
const MAX_SIDE = 16_000;
const MAX_PIXELS = 100_000_000;

/** `model` rendered at `scale` (2 = twice the layout's pixels), reduced when the canvas would
 * be too large for the browser. */
export async function exportPng(model: ViewModel, scale = 2): Promise<Blob> {
  const box = bounds(model);
  const fitted = Math.min(scale, MAX_SIDE / box.width, MAX_SIDE / box.height, Math.sqrt(MAX_PIXELS / (box.width * box.height)));
  const width = Math.max(1, Math.floor(box.width * fitted));
  const height = Math.max(1, Math.floor(box.height * fitted));
  const url = URL.createObjectURL(new Blob([exportSvg(model)], { type: "image/svg+xml" }));
  try {
    const image = new Image();
    image.decoding = "async";
    const loaded = new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error("the SVG could not be drawn"));
    });
    image.src = url;
    await loaded;
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    if (!context) throw new Error("no 2D canvas in this browser");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, width, height);
    context.drawImage(image, 0, 0, width, height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the PNG could not be encoded"))), "image/png"),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
