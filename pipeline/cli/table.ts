/**
 * The terminal table `plan` prints. `table` fits the terminal's width: one line per changed field,
 * long values summarised and WHY cut to the room left. `wide` shows full values (long ones on
 * their own lines below the row) and wraps WHY. Both end with a summary per namespace and the
 * totals. Money is always said with its direction (describeMonthlyEffect).
 */
import type { PlanDocument } from '../plan/plan-document.js';
import { describeMonthlyEffect } from '../plan/savings.js';
import { planRows, type PlanRow, type RowCounts } from './output/rows.js';
import {
  cell,
  colorWanted,
  cut,
  fitColumns,
  GAP,
  painter,
  terminalWidth,
  wrap,
  type Column,
  type Paint,
} from './output/layout.js';

export interface TableOptions {
  /** Columns available (default 120). */
  width?: number;
  /** ANSI colour (default off; the CLI turns it on for a terminal). */
  color?: boolean;
  /** Full values, WHY wrapped. */
  wide?: boolean;
}

const COLUMNS: Column[] = [
  { header: 'WORKLOAD', min: 16, max: 30 },
  { header: 'FIELD', min: 14, max: 26 },
  { header: 'CHANGE', min: 16, max: 56 },
  { header: 'DECISION', min: 8, max: 8, keep: true },
  { header: 'WHY', min: 24, max: 400, flex: true, share: 0.3 },
];

const INDENT = '  ';

export function renderPlanTable(doc: PlanDocument, opts: TableOptions = {}): string {
  const total = opts.width ?? 120;
  const paint = painter(opts.color ?? false);
  const data = planRows(doc);
  const out: string[] = [];
  for (const c of doc.clusters) {
    const rows = data.rows.filter((r) => r.cluster === c.name);
    const s = data.clusters.find((x) => x.cluster === c.name)!;
    // Counts are the summary table's (per field); only the edited-workload count is plan.json's own.
    const head =
      `cluster ${c.name}: ${s.changes} change(s) in ${s.workloads} workload(s), ` +
      `${c.summary.workloadsChanged} workload(s) edited in Git, ${s.skipped} skipped; ` +
      describeMonthlyEffect(s.monthlySavings, doc.prices.currency);
    out.push(...wrap(head, total).map((l) => paint('bold', l)));
    if (!rows.length) {
      out.push('  (no recommendations)');
      continue;
    }
    out.push(
      ...(opts.wide ? wideRows(rows, total, paint, doc.prices.currency) : fittedRows(rows, total, paint)),
    );
    const skippedByReason = new Map<string, number>();
    for (const k of c.skipped) skippedByReason.set(k.reason, (skippedByReason.get(k.reason) ?? 0) + 1);
    if (skippedByReason.size)
      out.push(
        ...wrap(
          `skipped: ${[...skippedByReason].map(([r, n]) => `${r} ×${n}`).join(', ')} (details in plan.json)`,
          total,
        ).map((l) => paint('dim', l)),
      );
    out.push('');
    out.push(
      ...summaryTable(
        data.namespaces.filter((n) => n.cluster === c.name).map((n) => [n.namespace || '(cluster)', n]),
        ['total', s],
        total,
        paint,
        doc.prices.currency,
      ),
    );
    out.push('');
  }
  if (doc.clusters.length > 1)
    out.push(
      ...summaryTable(
        data.clusters.map((k) => [k.cluster, k]),
        ['all clusters', data.total],
        total,
        paint,
        doc.prices.currency,
        'CLUSTER',
      ),
    );
  while (out.at(-1) === '') out.pop();
  return out.join('\n') + '\n';
}

/** One line per field, every line within `total` columns, rows grouped under their namespace. */
function fittedRows(rows: PlanRow[], total: number, paint: Paint): string[] {
  const cells = rows.map((r) => {
    const field = r.container ? `${r.container} ${r.resource}` : r.resource.replace(/^data\./, '');
    // FIELD already names a structured value; its change needs only the leaves.
    const change = r.change.startsWith(`${field}: `) ? r.change.slice(field.length + 2) : r.change;
    return [`${shortKind(r.kind)}/${r.name}`, field, change, r.decision.split(' ')[0]!, r.why];
  });
  const widths = fitColumns(COLUMNS, cells, total - INDENT.length);
  const line = (values: string[], styles: (string | undefined)[] = []): string =>
    INDENT +
    values
      .map((v, i) => {
        const last = i === values.length - 1;
        const text = cell(v, widths[i]!, !last);
        return styles[i] ? paint(styles[i] as 'bold', text) : text;
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  const out = [paint('bold', line(COLUMNS.map((c) => c.header)))];
  let ns: string | undefined;
  rows.forEach((r, i) => {
    if (r.namespace !== ns) {
      ns = r.namespace;
      out.push(paint('cyan', cell(ns || '(cluster-scoped)', total, false)));
    }
    out.push(line(cells[i]!, [undefined, undefined, undefined, decisionStyle(r.decision)]));
  });
  return out;
}

/**
 * Full values: the fields in columns, then under each row its WHY wrapped to the width, and a value
 * too long for a cell on its own lines.
 */
function wideRows(rows: PlanRow[], total: number, paint: Paint, currency: string): string[] {
  const LONG = 32;
  const header = ['WORKLOAD', 'CONTAINER', 'RESOURCE', 'CURRENT', 'PROPOSED', 'DECISION', 'RISK', 'EFFECT'];
  const cells = rows.map((r) => {
    const long = r.current.length > LONG || r.proposed.length > LONG;
    return [
      `${r.kind.toLowerCase()}/${r.name}`,
      r.container,
      r.resource,
      long ? '(below)' : r.current || '—',
      long ? '(below)' : r.proposed || '—',
      r.decision,
      r.risk,
      r.monthlySavings ? describeMonthlyEffect(r.monthlySavings, currency) : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]): string =>
    (INDENT + values.map((v, i) => cell(v, widths[i]!)).join(' '.repeat(GAP))).trimEnd();
  const below = INDENT.repeat(3);
  const out = [paint('bold', line(header))];
  let ns: string | undefined;
  rows.forEach((r, i) => {
    if (r.namespace !== ns) {
      ns = r.namespace;
      out.push(paint('cyan', ns || '(cluster-scoped)'));
    }
    const c = cells[i]!;
    const decision = widths.slice(0, 5).reduce((a, w) => a + w + GAP, INDENT.length);
    const text = line(c);
    out.push(
      text.slice(0, decision) +
        paint(decisionStyle(r.decision) ?? 'bold', c[5]!) +
        text.slice(decision + c[5]!.length),
    );
    if (c[3] === '(below)') {
      out.push(`${below}current:  ${r.current || '—'}`);
      out.push(`${below}proposed: ${r.proposed || '—'}`);
    }
    const why = wrap(r.why, Math.max(20, total - below.length - 5));
    out.push(
      paint('dim', `${below}why: ${why[0]}`),
      ...why.slice(1).map((l) => paint('dim', `${below}     ${l}`)),
    );
  });
  return out;
}

function summaryTable(
  entries: [string, RowCounts][],
  totals: [string, RowCounts],
  total: number,
  paint: Paint,
  currency: string,
  first = 'NAMESPACE',
): string[] {
  const long = [
    first,
    'WORKLOADS',
    'CHANGES',
    'ACCEPTED',
    'CLAMPED',
    'REJECTED',
    'SKIPPED',
    'MONTHLY EFFECT',
  ];
  const short = [first, 'WL', 'CHG', 'ACC', 'CLMP', 'REJ', 'SKIP', 'MONTHLY EFFECT'];
  const row = ([name, n]: [string, RowCounts]): string[] => [
    name,
    String(n.workloads),
    String(n.changes),
    String(n.accepted),
    String(n.clamped),
    String(n.rejected),
    String(n.skipped),
    describeMonthlyEffect(n.monthlySavings, currency),
  ];
  const body = [...entries.map(row), row(totals)];
  const widthsFor = (header: string[]): number[] =>
    header.map((_, i) => Math.max(...[header, ...body].map((r) => r[i]!.length)));
  const room = (w: number[]): number => w.slice(1).reduce((a, b) => a + b + GAP, 0);
  // Short headers when the long ones leave the names no room.
  const header = total - room(widthsFor(long)) >= 8 ? long : short;
  const widths = widthsFor(header);
  widths[0] = Math.max(4, Math.min(widths[0]!, total - room(widths)));
  const line = (r: string[]): string =>
    cut(
      r
        .map((v, i) =>
          i > 0 && i < r.length - 1 ? v.padStart(widths[i]!) : cell(v, widths[i]!, i < r.length - 1),
        )
        .join(' '.repeat(GAP))
        .trimEnd(),
      total,
    );
  return [paint('bold', line(header)), ...entries.map((e) => line(row(e))), paint('bold', line(row(totals)))];
}

/** kubectl's short names, so a workload keeps room for its name. */
const SHORT_KINDS: Record<string, string> = {
  Deployment: 'deploy',
  StatefulSet: 'sts',
  DaemonSet: 'ds',
  ReplicaSet: 'rs',
  ConfigMap: 'cm',
  HorizontalPodAutoscaler: 'hpa',
  CronJob: 'cj',
};

function shortKind(kind: string): string {
  return SHORT_KINDS[kind] ?? kind.toLowerCase();
}

function decisionStyle(decision: string): 'green' | 'yellow' | 'red' | 'dim' | undefined {
  if (decision === 'accepted') return 'green';
  if (decision === 'clamped') return 'yellow';
  if (decision === 'rejected') return 'red';
  return 'dim';
}

/** Width and colour for the process's own stdout (a terminal, a pipe, NO_COLOR). */
export function terminalTableOptions(): { width: number; color: boolean } {
  return { width: terminalWidth(process.stdout), color: colorWanted(process.stdout) };
}
