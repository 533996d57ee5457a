/** The report's data, inlined in the page as gzip + base64, decompressed by the browser itself. */
import type { ReportData } from '../data.js';

export async function loadData(id: string): Promise<ReportData> {
  const text = document.getElementById(id)?.textContent?.trim() ?? '';
  const raw = atob(text);
  const bin = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bin[i] = raw.charCodeAt(i);
  const stream = new Blob([bin]).stream().pipeThrough(new DecompressionStream('gzip'));
  return JSON.parse(await new Response(stream).text()) as ReportData;
}

/** A usage series point by point: byte / 254 × max, 255 = no data (plan/inventory.ts). */
export function decodeSeries(b64: string, max: number): (number | null)[] {
  const raw = atob(b64);
  const out: (number | null)[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const b = raw.charCodeAt(i);
    out[i] = b === 255 ? null : (b / 254) * max;
  }
  return out;
}
