/**
 * Kubernetes resource quantities, parsed once at the edge into typed numbers:
 * CPU in millicores, memory in bytes. Formatting picks the notation a human would write
 * and, where a previous value is known, keeps its style (cores vs millicores, Mi vs Gi).
 */
export type MilliCpu = number;
export type Bytes = number;

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const QUANTITY_RE =
  /^([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

export class QuantityError extends Error {}

/** Parses any Kubernetes quantity ("250m", "1", "0.5", "1Gi", "1e3", 2) to its value in base units. */
export function parseQuantity(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new QuantityError(`not a finite quantity: ${input}`);
    return input;
  }
  const s = input.trim();
  const m = QUANTITY_RE.exec(s);
  if (!m) throw new QuantityError(`not a Kubernetes quantity: "${input}"`);
  const num = Number(m[1]);
  if (m[2]) return num * Number(`1${m[2]}`);
  const suffix = m[3] ?? '';
  const mult = BINARY[suffix] ?? DECIMAL[suffix];
  if (mult === undefined) throw new QuantityError(`unknown suffix in quantity "${input}"`);
  return num * mult;
}

export function parseCpu(input: string | number): MilliCpu {
  return Math.round(parseQuantity(input) * 1000 * 1000) / 1000;
}

export function parseMemory(input: string | number): Bytes {
  return Math.round(parseQuantity(input));
}

export interface CpuStyle {
  /**
   * true: the previous value was cores ("1", "0.5"); false: millicores ("500m"); undefined: no
   * previous value, so whole cores are written as cores.
   */
  cores?: boolean;
}

export function cpuStyleOf(raw: string | number | undefined): CpuStyle {
  if (raw === undefined) return {};
  if (typeof raw === 'number') return { cores: true };
  return { cores: !raw.trim().endsWith('m') };
}

/** 250 → "250m"; 1000 → "1" (or "1000m" when the old value was in millicores); 1500 → "1.5" in cores style, 1600 → "1600m". */
export function formatCpu(milli: MilliCpu, style: CpuStyle = {}): string {
  const m = Math.round(milli);
  if (style.cores === false) return `${m}m`;
  if (m % 1000 === 0) return String(m / 1000);
  // Cores style keeps halves ("1.5"); anything finer reads better in millicores.
  if (style.cores && m % 500 === 0) return String(m / 1000);
  return `${m}m`;
}

export type MemoryUnit = 'Ki' | 'Mi' | 'Gi' | 'bytes' | 'M' | 'G';

export function memoryUnitOf(raw: string | number | undefined): MemoryUnit | undefined {
  if (raw === undefined || typeof raw === 'number') return raw === undefined ? undefined : 'bytes';
  const m = /(Ki|Mi|Gi|M|G)$/.exec(raw.trim());
  return m ? (m[1] as MemoryUnit) : 'bytes';
}

/**
 * Formats bytes as a human would: Gi when exact, otherwise Mi (rounding up to a whole Mi so a
 * request is never lowered by formatting). A previous decimal style (M/G) is kept.
 */
export function formatMemory(bytes: Bytes, previous?: MemoryUnit): string {
  if (previous === 'M' || previous === 'G') {
    const g = bytes / 1e9;
    if (previous === 'G' && Number.isInteger(g)) return `${g}G`;
    return `${Math.ceil(bytes / 1e6)}M`;
  }
  const gi = bytes / 2 ** 30;
  if (Number.isInteger(gi) && gi >= 1) return `${gi}Gi`;
  const mi = Math.ceil(bytes / 2 ** 20);
  if (mi % 1024 === 0) return `${mi / 1024}Gi`;
  return `${mi}Mi`;
}

/** Rounds CPU up to a multiple of `step` millicores (default 5m). */
export function roundCpuUp(milli: MilliCpu, step = 5): MilliCpu {
  return Math.ceil(milli / step - 1e-9) * step;
}

/** Rounds memory up to a multiple of `step` bytes (default 1Mi). */
export function roundMemoryUp(bytes: Bytes, step = 2 ** 20): Bytes {
  return Math.ceil(bytes / step - 1e-9) * step;
}

export function humanBytes(bytes: Bytes): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)}Gi`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(0)}Mi`;
  return `${Math.round(bytes / 1024)}Ki`;
}
