/**
 * How the report writes numbers, shared by the page's static HTML (Node) and its script (the
 * browser), so a figure reads the same wherever it appears. No Node or DOM imports.
 */

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', CNY: '¥' };

/** "$1,657", "$45.90", "-$3.20": whole units from 100 up, cents below (as formatMoney). */
export function money(value: number, currency: string): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : 2;
  const text = abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const symbol = SYMBOLS[currency];
  const sign = value < 0 && text.replace(/[0.,]/g, '') !== '' ? '-' : '';
  return symbol ? `${sign}${symbol}${text}` : `${sign}${text} ${currency}`;
}

/** A unit price as configured: "$0.031", "$0.0042" (up to 4 significant digits). */
export function unitPrice(value: number, currency: string): string {
  const text = value >= 1 ? value.toFixed(2) : String(Number(value.toPrecision(4)));
  const symbol = SYMBOLS[currency];
  return symbol ? `${symbol}${text}` : `${text} ${currency}`;
}

/** A monthly effect with its direction, never a bare amount. */
export function effect(value: number, currency: string): string {
  const m = money(Math.abs(value), currency);
  if (m === money(0, currency)) return 'no change';
  return value > 0 ? `saves ${m}/mo` : `adds ${m}/mo`;
}

export function cores(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) < 1) return `${Math.round(v * 1000)}m`;
  return `${v.toFixed(v >= 100 ? 0 : 2).replace(/\.?0+$/, '')}`;
}

export function bytes(v: number): string {
  const units = ['B', 'Ki', 'Mi', 'Gi', 'Ti'];
  let x = Math.abs(v);
  let i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  const text =
    i === 0 ? String(Math.round(x)) : x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2).replace(/\.?0+$/, '');
  return `${v < 0 ? '-' : ''}${text}${units[i]}`;
}

export function percent(v: number, digits = 0): string {
  return `${(v * 100).toFixed(digits)}%`;
}

/** "+8%", "−3%", or "±0%" between now and before. */
export function change(now: number, before: number): string {
  if (!(before > 0)) return '';
  const d = (now - before) / before;
  const p = Math.round(d * 100);
  return p === 0 ? '±0%' : p > 0 ? `+${p}%` : `−${-p}%`;
}

export function date(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 10);
}

export function dateTime(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}

export function days(seconds: number): string {
  const d = seconds / 86400;
  return `${Number.isInteger(d) ? d : d.toFixed(1)} days`;
}
