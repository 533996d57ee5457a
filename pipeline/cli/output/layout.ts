/**
 * Column layout for the terminal: widths that fit a given width, cells cut with "…" or wrapped,
 * and ANSI colour that never counts toward a width. Kubernetes names and our own text are
 * single-width characters, so a character is a column (no East Asian width tables needed).
 */
import { stripVTControlCharacters } from 'node:util';

export interface Column {
  header: string;
  /** Never narrower than this (unless the header is wider). */
  min: number;
  /** Never wider than this in a fitted table (a `flex` column: its share when room is short). */
  max: number;
  /** Takes the room the others leave (at most its content's width). */
  flex?: boolean;
  /** A flex column's fair share of the width: the others give way until it has it. */
  share?: number;
  /** Never cut, even on a terminal too narrow for every minimum (a one-word status). */
  keep?: boolean;
}

export const GAP = 2;

/** Visible width of a string: ANSI sequences take no room. */
export function width(s: string): number {
  return [...stripVTControlCharacters(s)].length;
}

/**
 * Widths that fit `total` columns: each fixed column at its content's width capped at `max`, the
 * `flex` column with the rest; while the flex column would be under its `min` (or its `share` of
 * the width), the fixed columns give way, each in proportion to its room above its `min`.
 */
export function fitColumns(columns: Column[], rows: string[][], total: number): number[] {
  const natural = columns.map((c, i) => Math.max(width(c.header), ...rows.map((r) => width(r[i] ?? ''))));
  const floor = columns.map((c, i) => Math.min(natural[i]!, Math.max(c.min, width(c.header))));
  const widths = columns.map((c, i) => Math.max(floor[i]!, Math.min(natural[i]!, c.max)));
  const flex = columns.findIndex((c) => c.flex);
  const gaps = GAP * (columns.length - 1);
  const fixed = (): number => widths.reduce((a, w, i) => (i === flex ? a : a + w), 0) + gaps;
  if (flex >= 0) {
    const share = Math.round(total * (columns[flex]!.share ?? 0));
    const want = Math.min(natural[flex]!, Math.max(floor[flex]!, share));
    giveWay(widths, floor, flex, () => want - (total - fixed()));
    widths[flex] = Math.max(want, Math.min(natural[flex]!, total - fixed()));
  } else giveWay(widths, floor, -1, () => fixed() - total);
  // A terminal narrower than every minimum: all columns give way, down to three characters.
  const last = columns.map((c, i) => (c.keep ? widths[i]! : 3));
  giveWay(widths, last, -1, () => widths.reduce((a, b) => a + b, 0) + gaps - total);
  return widths;
}

/**
 * Takes `short()` columns from the columns other than `skip`, each in proportion to the room it
 * has above its floor, so no one column is cut to nothing while another keeps all it had.
 */
function giveWay(widths: number[], floor: number[], skip: number, short: () => number): void {
  for (let need = short(); need > 0; need = short()) {
    const slack = widths.map((w, i) => (i === skip ? 0 : w - floor[i]!));
    const room = slack.reduce((a, b) => a + b, 0);
    if (room <= 0) return;
    for (let i = 0; i < widths.length; i++)
      widths[i] = widths[i]! - Math.min(slack[i]!, Math.ceil((need * slack[i]!) / room));
  }
}

/** A cell cut to `n` columns with "…", or padded to it. */
export function cell(s: string, n: number, pad = true): string {
  const w = width(s);
  if (w > n) return cut(s, n);
  return pad ? s + ' '.repeat(n - w) : s;
}

export function cut(s: string, n: number): string {
  const chars = [...stripVTControlCharacters(s)];
  if (chars.length <= n) return s;
  return n <= 1 ? chars.slice(0, n).join('') : chars.slice(0, n - 1).join('') + '…';
}

/** Words wrapped to lines of at most `n` columns; a word longer than a line is split. */
export function wrap(s: string, n: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(/\s+/).filter(Boolean)) {
    let w = word;
    while (w.length > n) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(w.slice(0, n));
      w = w.slice(n);
    }
    if (!line) line = w;
    else if (line.length + 1 + w.length <= n) line += ' ' + w;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line || !lines.length) lines.push(line);
  return lines;
}

export type Paint = (style: Style, s: string) => string;
export type Style = 'bold' | 'dim' | 'green' | 'yellow' | 'red' | 'cyan';

const SGR: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  green: [32, 39],
  yellow: [33, 39],
  red: [31, 39],
  cyan: [36, 39],
};

export function painter(color: boolean): Paint {
  return color
    ? (style, s) => (s ? `\x1b[${SGR[style][0]}m${s}\x1b[${SGR[style][1]}m` : s)
    : (_style, s) => s;
}

/**
 * Colour on a terminal, off for pipes, `NO_COLOR` (any value, https://no-color.org) and
 * `TERM=dumb`; `FORCE_COLOR` (not 0) turns it on for a pipe.
 */
export function colorWanted(
  stream: { isTTY?: boolean },
  env: Record<string, string | undefined> = process.env,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** The terminal's width, else `COLUMNS`, else 120 (a pipe, CI logs). */
export function terminalWidth(
  stream: { isTTY?: boolean; columns?: number },
  env: Record<string, string | undefined> = process.env,
): number {
  if (stream.isTTY && stream.columns && stream.columns > 0) return stream.columns;
  const cols = Number(env.COLUMNS);
  return Number.isInteger(cols) && cols > 0 ? cols : 120;
}
