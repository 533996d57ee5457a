import { stripVTControlCharacters } from 'node:util';
import { renderPlanTable } from './table.js';
import { colorWanted, terminalWidth } from './output/layout.js';
import { planRows } from './output/rows.js';
import { outputFixture, LONG_WHY } from '../testing/plan-fixtures.js';

const lines = (s: string): string[] => s.trimEnd().split('\n');

describe('cli/table', () => {
  it.each([60, 80, 100, 120, 200])('keeps every line within %i columns', (width) => {
    const out = renderPlanTable(outputFixture(), { width });
    for (const l of lines(out)) expect(l.length).toBeLessThanOrEqual(width);
    // Nothing was dropped to get there: every changed field has its row.
    expect(out.match(/^ {2}\S/gm)?.length).toBe(2 + 6 + 2);
  });

  it('summarises a structured value instead of printing its JSON, and shows it whole in wide', () => {
    const table = renderPlanTable(outputFixture(), { width: 200 });
    expect(table).toContain('cpuReclaimThresholdPercent 60 → 55 (general)');
    expect(table).not.toContain('{"enable"');
    const wide = renderPlanTable(outputFixture(), { width: 120, wide: true });
    expect(wide).toContain(`current:  {"enable":true,"cpuReclaimThresholdPercent":60`);
    expect(wide).toContain(
      `proposed: {"enable":true,"cpuReclaimThresholdPercent":60,"memoryReclaimThresholdPercent":65`,
    );
  });

  it('gives WHY the room left at 120 columns, and wraps it whole in wide', () => {
    const table = renderPlanTable(outputFixture(), { width: 120 });
    const cart = lines(table).find((l) => l.includes('cart cpu request'))!;
    const why = cart.slice(cart.indexOf('at most'));
    expect(why.length).toBeGreaterThanOrEqual(30);
    expect(why.endsWith('…')).toBe(true);
    const wide = renderPlanTable(outputFixture(), { width: 80, wide: true });
    const block = lines(wide);
    const start = block.findIndex(
      (l) => l.includes('why: at most 20%') && block[block.indexOf(l) - 1]!.includes('cpu'),
    );
    const text = [block[start]!.replace(/^\s*why: /, '')];
    for (let i = start + 1; block[i]?.startsWith('           '); i++) text.push(block[i]!.trim());
    const row = planRows(outputFixture()).rows.find(
      (r) => r.name === 'cart' && r.resource === 'cpu request',
    )!;
    expect(row.why).toContain(LONG_WHY);
    expect(text.join(' ')).toBe(row.why);
    for (const l of block.slice(start, start + text.length)) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('ends each cluster with a summary per namespace and its total, money with its direction', () => {
    const out = lines(renderPlanTable(outputFixture(), { width: 120 }));
    const row = (first: string): string[] =>
      out
        .find((l) => l.startsWith(first + ' '))!
        .trim()
        .split(/\s{2,}/);
    // prod: shop = cart (13.58 + 2.10) + web 1.38 = 17.06; payments' change was not rendered: 0.
    expect(row('shop')).toEqual(['shop', '2', '3', '1', '2', '0', '0', 'saves $17.06/month']);
    expect(row('payments')).toEqual(['payments', '1', '1', '0', '0', '0', '0', 'no cost change']);
    expect(row('batch')).toEqual(['batch', '0', '0', '0', '0', '0', '1', 'no cost change']);
    const totals = out.filter((l) => l.startsWith('total '));
    // 6 fields in 5 workloads: web and the ConfigMap accepted, cart's two clamped, coredns rejected,
    // worker's not rendered; CronJob nightly skipped.
    expect(totals[0]!.trim().split(/\s{2,}/)).toEqual([
      'total',
      '5',
      '6',
      '2',
      '2',
      '1',
      '1',
      'saves $17.06/month',
    ]);
    // staging: 1.05 saved, 0.43 added.
    expect(out.find((l) => l.includes('api memory request'))).toBeDefined();
    expect(totals[1]!.trim().split(/\s{2,}/)).toEqual([
      'total',
      '2',
      '2',
      '2',
      '0',
      '0',
      '0',
      'saves $0.62/month',
    ]);
    // 17.06 + 0.62
    expect(row('all clusters')).toEqual(['all clusters', '7', '8', '4', '2', '1', '1', 'saves $17.68/month']);
  });

  it('colours a terminal only: never with NO_COLOR, never for a pipe unless FORCE_COLOR', () => {
    const coloured = renderPlanTable(outputFixture(), { width: 120, color: true });
    expect(coloured).toContain('\x1b[');
    expect(stripVTControlCharacters(coloured)).toBe(renderPlanTable(outputFixture(), { width: 120 }));
    for (const l of lines(coloured)) expect(stripVTControlCharacters(l).length).toBeLessThanOrEqual(120);
    expect(renderPlanTable(outputFixture())).not.toContain('\x1b[');
    expect(colorWanted({ isTTY: true }, {})).toBe(true);
    expect(colorWanted({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorWanted({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colorWanted({ isTTY: false }, {})).toBe(false);
    expect(colorWanted({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorWanted({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: 'x' })).toBe(false);
  });

  it("takes the terminal's width, else COLUMNS, else 120", () => {
    expect(terminalWidth({ isTTY: true, columns: 93 }, {})).toBe(93);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: '150' })).toBe(150);
    expect(terminalWidth({ isTTY: false }, {})).toBe(120);
  });
});
