/**
 * Reads a query_range response straight from its bytes. JSON.parse turns every point into an
 * array and a string (two objects each, 24 million for a namespace batch at full resolution),
 * which made decoding and collecting them cost more CPU than Prometheus' own evaluation. This
 * scanner walks the bytes once: the series' label sets are parsed with JSON.parse (they are
 * small), the points go straight into typed arrays, and the rest of the envelope (status,
 * warnings, stats) is parsed with the result array left out. Anything it does not recognise is
 * an error, never a guess.
 */

export interface ScannedSeries {
  metric: Record<string, string>;
  /** Unix seconds. */
  times: Float64Array;
  /** NaN and ±Inf as Prometheus wrote them. */
  values: Float64Array;
}

export interface ScannedResponse {
  /** The response without `data.result` (status, errorType, error, warnings, data.stats…). */
  envelope: {
    status?: string;
    errorType?: string;
    error?: string;
    warnings?: string[];
    data?: { resultType?: string; stats?: { samples?: { totalQueryableSamples?: number } } };
  };
  /** `data.result` when it was an array of series, else undefined. */
  result?: ScannedSeries[];
}

export class ScanError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

function ws(b: Buffer, i: number): number {
  while (i < b.length) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

function expect(b: Buffer, i: number, c: number): number {
  i = ws(b, i);
  if (b[i] !== c) throw new ScanError(`expected '${String.fromCharCode(c)}' at byte ${i}`);
  return i + 1;
}

/** End of the string starting at `i` (on its opening quote), after the closing quote. */
function skipString(b: Buffer, i: number): number {
  for (i++; i < b.length; i++) {
    const c = b[i]!;
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  throw new ScanError('unterminated string');
}

/** End of the JSON value starting at or after `i`. */
function skipValue(b: Buffer, i: number): number {
  i = ws(b, i);
  const c = b[i];
  if (c === QUOTE) return skipString(b, i);
  if (c === OPEN_OBJ || c === OPEN_ARR) {
    let depth = 0;
    for (; i < b.length; i++) {
      const d = b[i]!;
      if (d === QUOTE) i = skipString(b, i) - 1;
      else if (d === OPEN_OBJ || d === OPEN_ARR) depth++;
      else if (d === CLOSE_OBJ || d === CLOSE_ARR) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    throw new ScanError('unterminated object or array');
  }
  // number, true, false, null
  while (i < b.length) {
    const d = b[i]!;
    if (d === COMMA || d === CLOSE_OBJ || d === CLOSE_ARR || d === 0x20 || d === 0x0a || d === 0x0d) break;
    i++;
  }
  return i;
}

/** Calls `onMember(key, valueStart)` for each member of the object at `i`; returns its end. */
function members(b: Buffer, i: number, onMember: (key: string, at: number) => number): number {
  i = expect(b, i, OPEN_OBJ);
  i = ws(b, i);
  if (b[i] === CLOSE_OBJ) return i + 1;
  for (;;) {
    i = ws(b, i);
    if (b[i] !== QUOTE) throw new ScanError(`expected a key at byte ${i}`);
    const end = skipString(b, i);
    const key = b.toString('utf8', i + 1, end - 1);
    i = expect(b, end, COLON);
    i = onMember(key, ws(b, i));
    i = ws(b, i);
    if (b[i] === COMMA) i++;
    else if (b[i] === CLOSE_OBJ) return i + 1;
    else throw new ScanError(`expected ',' or '}' at byte ${i}`);
  }
}

/** A JSON number at `i` (fast path for plain decimals); returns [value, end]. */
function number(b: Buffer, i: number, out: Float64Array, k: number): number {
  const start = i;
  let neg = false;
  if (b[i] === MINUS) {
    neg = true;
    i++;
  }
  let v = 0;
  let digits = 0;
  while (i < b.length && b[i]! >= ZERO && b[i]! <= NINE) {
    v = v * 10 + (b[i]! - ZERO);
    i++;
    digits++;
  }
  if (b[i] === DOT) {
    i++;
    let scale = 1;
    while (i < b.length && b[i]! >= ZERO && b[i]! <= NINE && digits < 16) {
      v = v * 10 + (b[i]! - ZERO);
      scale *= 10;
      i++;
      digits++;
    }
    v /= scale;
  }
  const c = b[i];
  // Exponents, long mantissas and anything unusual go through Number().
  if (
    digits === 0 ||
    digits >= 16 ||
    (c !== undefined && ((c >= ZERO && c <= NINE) || c === 0x65 || c === 0x45))
  ) {
    let end = start;
    while (end < b.length && /[0-9eE+\-.]/.test(String.fromCharCode(b[end]!))) end++;
    const parsed = Number(b.toString('latin1', start, end));
    if (Number.isNaN(parsed)) throw new ScanError(`not a number at byte ${start}`);
    out[k] = parsed;
    return end;
  }
  out[k] = neg ? -v : v;
  return i;
}

/** A sample value: a string holding a float, "NaN", "+Inf" or "-Inf". */
function quotedNumber(b: Buffer, i: number, out: Float64Array, k: number): number {
  if (b[i] !== QUOTE) throw new ScanError(`expected a quoted value at byte ${i}`);
  const digit = (c: number | undefined) => c !== undefined && c >= ZERO && c <= NINE;
  if (digit(b[i + 1]) || (b[i + 1] === MINUS && digit(b[i + 2]))) {
    const end = number(b, i + 1, out, k);
    if (b[end] === QUOTE) return end + 1;
  }
  const end = skipString(b, i);
  const text = b.toString('latin1', i + 1, end - 1);
  out[k] = text === 'NaN' ? NaN : text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
  if (Number.isNaN(out[k]!) && text !== 'NaN') throw new ScanError(`not a sample value: "${text}"`);
  return end;
}

/** Scratch space for one series' points, grown as needed and copied out at the exact length. */
let scratchT = new Float64Array(4096);
let scratchV = new Float64Array(4096);

function series(b: Buffer, i: number): { s: ScannedSeries; end: number } {
  let metric: Record<string, string> = {};
  let times = new Float64Array(0);
  let values = new Float64Array(0);
  const end = members(b, i, (key, at) => {
    if (key === 'metric') {
      const e = skipValue(b, at);
      metric = JSON.parse(b.toString('utf8', at, e)) as Record<string, string>;
      return e;
    }
    if (key !== 'values') return skipValue(b, at);
    let j = expect(b, at, OPEN_ARR);
    j = ws(b, j);
    let n = 0;
    if (b[j] === CLOSE_ARR) j++;
    else
      for (;;) {
        if (n === scratchT.length) {
          const t = new Float64Array(n * 2);
          t.set(scratchT);
          scratchT = t;
          const v = new Float64Array(n * 2);
          v.set(scratchV);
          scratchV = v;
        }
        j = expect(b, j, OPEN_ARR);
        j = number(b, ws(b, j), scratchT, n);
        j = expect(b, j, COMMA);
        j = quotedNumber(b, ws(b, j), scratchV, n);
        j = expect(b, j, CLOSE_ARR);
        n++;
        j = ws(b, j);
        if (b[j] === COMMA) j++;
        else if (b[j] === CLOSE_ARR) {
          j++;
          break;
        } else throw new ScanError(`expected ',' or ']' in "values" at byte ${j}`);
      }
    times = scratchT.slice(0, n);
    values = scratchV.slice(0, n);
    return j;
  });
  return { s: { metric, times, values }, end };
}

/** The series of the result array at `i`; returns them and the array's end. */
function resultArray(b: Buffer, i: number): { result: ScannedSeries[]; end: number } {
  const result: ScannedSeries[] = [];
  i = ws(b, expect(b, i, OPEN_ARR));
  if (b[i] === CLOSE_ARR) return { result, end: i + 1 };
  for (;;) {
    const { s, end } = series(b, i);
    result.push(s);
    i = ws(b, end);
    if (b[i] === COMMA) i = ws(b, i + 1);
    else if (b[i] === CLOSE_ARR) return { result, end: i + 1 };
    else throw new ScanError(`expected ',' or ']' at byte ${i}`);
  }
}

export function scanRangeResponse(b: Buffer): ScannedResponse {
  let resultAt = -1;
  let resultEnd = -1;
  let result: ScannedSeries[] | undefined;
  members(b, 0, (key, at) => {
    if (key !== 'data' || b[at] !== OPEN_OBJ) return skipValue(b, at);
    return members(b, at, (k, a) => {
      if (k !== 'result' || b[a] !== OPEN_ARR) return skipValue(b, a);
      const r = resultArray(b, a);
      [resultAt, resultEnd, result] = [a, r.end, r.result];
      return r.end;
    });
  });
  const envelope = JSON.parse(
    resultAt < 0
      ? b.toString('utf8')
      : b.toString('utf8', 0, resultAt) + '[]' + b.toString('utf8', resultEnd),
  ) as ScannedResponse['envelope'];
  return result ? { envelope, result } : { envelope };
}
