export { exportSvg, escapeXml } from "./exportSvg";
export { exportPng } from "./exportPng";
export { download, safeFilename } from "./download";
