/** Durations in config ("14d", "5m", "90s", "1h30m") are validated by schema and converted once. */
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+$';

export function parseDuration(input: string | number): number {
  if (typeof input === 'number') return input;
  const s = input.trim();
  if (!new RegExp(DURATION_PATTERN).test(s))
    throw new Error(`not a duration: "${input}" (use e.g. 90s, 5m, 24h, 14d)`);
  let total = 0;
  for (const m of s.matchAll(PART)) total += Number(m[1]) * (UNIT_SECONDS[m[2]!] ?? 0);
  return total;
}

export function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
