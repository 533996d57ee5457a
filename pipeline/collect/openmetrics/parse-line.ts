/**
 * One OpenMetrics sample line: `name{label="value",…} value timestamp`. Hand-written because it
 * runs on every line of a ~100 MB file; label values may contain escaped quotes.
 */
export interface SampleLine {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Unix seconds. */
  time: number;
}

export function parseSampleLine(line: string): SampleLine | undefined | 'invalid' {
  if (!line || line.charCodeAt(0) === 35 /* # */) return undefined;
  let i = 0;
  const n = line.length;
  while (i < n && line[i] !== '{' && line[i] !== ' ') i++;
  const name = line.slice(0, i);
  if (!name) return 'invalid';
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (i < n && line[i] !== '}') {
      const eq = line.indexOf('=', i);
      if (eq < 0 || line[eq + 1] !== '"') return 'invalid';
      const key = line.slice(i, eq).trim();
      let j = eq + 2;
      let value = '';
      let start = j;
      for (; j < n; j++) {
        const ch = line[j];
        if (ch === '\\') {
          value += line.slice(start, j);
          const next = line[j + 1];
          value += next === 'n' ? '\n' : (next ?? '');
          j++;
          start = j + 1;
        } else if (ch === '"') break;
      }
      if (j >= n) return 'invalid';
      value += line.slice(start, j);
      labels[key] = value;
      i = j + 1;
      if (line[i] === ',') i++;
    }
    if (line[i] !== '}') return 'invalid';
    i++;
  }
  const rest = line.slice(i).trim().split(/\s+/);
  if (rest.length < 2) return 'invalid';
  const value = parseValue(rest[0]!);
  const time = Number(rest[1]);
  if (value === undefined || !Number.isFinite(time)) return 'invalid';
  return { name, labels, value, time };
}

function parseValue(s: string): number | undefined {
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  const v = Number(s);
  return Number.isNaN(v) ? undefined : v;
}
