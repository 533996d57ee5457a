/**
 * One OpenMetrics sample line: `name{label="value",…} value timestamp`. Hand-written because it
 * runs on every line of a file of hundreds of megabytes. A line is split in two steps so that
 * a series' labels (the same text on every one of its thousands of lines) are parsed once:
 * `splitSampleLine` finds the series text and reads the numbers, `parseSeries` reads the labels.
 */
export interface SeriesId {
  name: string;
  labels: Record<string, string>;
}

export interface SampleLine extends SeriesId {
  value: number;
  /** Unix seconds. */
  time: number;
}

export interface SplitLine {
  /** `name{labels}` exactly as written; the cache key for `parseSeries`. */
  series: string;
  value: number;
  time: number;
}

export function parseSampleLine(line: string): SampleLine | undefined | 'invalid' {
  const s = splitSampleLine(line);
  if (s === undefined || s === 'invalid') return s;
  const id = parseSeries(s.series);
  return id === 'invalid' ? id : { ...id, value: s.value, time: s.time };
}

export function splitSampleLine(line: string): SplitLine | undefined | 'invalid' {
  if (!line || line.charCodeAt(0) === 35 /* # */) return undefined;
  // Values and timestamps never contain `}`, label values may: the last `}` closes the labels.
  const brace = line.indexOf('{');
  const space = line.indexOf(' ');
  let end: number;
  if (brace >= 0 && (space < 0 || brace < space)) {
    const close = line.lastIndexOf('}');
    if (close < brace) return 'invalid';
    end = close + 1;
  } else {
    end = space < 0 ? line.length : space;
  }
  if (end === 0) return 'invalid';
  let i = end;
  const n = line.length;
  while (i < n && isBlank(line.charCodeAt(i))) i++;
  let j = i;
  while (j < n && !isBlank(line.charCodeAt(j))) j++;
  const valueText = line.slice(i, j);
  while (j < n && isBlank(line.charCodeAt(j))) j++;
  let k = j;
  while (k < n && !isBlank(line.charCodeAt(k))) k++;
  const timeText = line.slice(j, k);
  if (!valueText || !timeText) return 'invalid';
  const value = parseValue(valueText);
  const time = Number(timeText);
  if (value === undefined || !Number.isFinite(time)) return 'invalid';
  return { series: line.slice(0, end), value, time };
}

export function parseSeries(text: string): SeriesId | 'invalid' {
  let i = 0;
  const n = text.length;
  while (i < n && text[i] !== '{') i++;
  const name = text.slice(0, i);
  if (!name || name.includes(' ')) return 'invalid';
  const labels: Record<string, string> = {};
  if (i < n) {
    i++;
    while (i < n && text[i] !== '}') {
      const eq = text.indexOf('=', i);
      if (eq < 0 || text[eq + 1] !== '"') return 'invalid';
      const key = text.slice(i, eq).trim();
      let j = eq + 2;
      let value = '';
      let start = j;
      for (; j < n; j++) {
        const ch = text[j];
        if (ch === '\\') {
          value += text.slice(start, j);
          const next = text[j + 1];
          value += next === 'n' ? '\n' : (next ?? '');
          j++;
          start = j + 1;
        } else if (ch === '"') break;
      }
      if (j >= n) return 'invalid';
      value += text.slice(start, j);
      labels[key] = value;
      i = j + 1;
      if (text[i] === ',') i++;
    }
    if (text[i] !== '}' || i !== n - 1) return 'invalid';
  }
  return { name, labels };
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

function parseValue(s: string): number | undefined {
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  const v = Number(s);
  return Number.isNaN(v) ? undefined : v;
}
