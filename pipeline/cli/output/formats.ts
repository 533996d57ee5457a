/**
 * `plan --output`: the same rows (output/rows.ts) as a fitted table, a wide one, JSON, YAML, CSV
 * or Markdown. JSON/YAML follow schemas/tidemark/plan-rows.schema.json; CSV has one record per
 * row with the columns (and order) of schemas/tidemark/plan-rows.csv.schema.json, RFC 4180
 * quoting and CRLF line ends, so a spreadsheet or `jq` reads them without guessing.
 */
import { stringify } from 'yaml';
import { ConfigError } from '../../core/errors.js';
import type { PlanDocument } from '../../plan/plan-document.js';
import { describeMonthlyEffect } from '../../plan/savings.js';
import { renderPlanTable } from '../table.js';
import { planRows, type PlanRow, type PlanRowsDocument, type RowCounts } from './rows.js';

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'csv', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The CSV columns, in order: every PlanRow field. */
export const CSV_COLUMNS: (keyof PlanRow)[] = [
  'cluster',
  'namespace',
  'kind',
  'name',
  'container',
  'resource',
  'field',
  'object',
  'current',
  'proposed',
  'change',
  'analyzer',
  'decision',
  'risk',
  'monthlySavings',
  'currency',
  'why',
  'recommendation',
];

export function parseOutputFormat(v: string | undefined): OutputFormat {
  if (v === undefined) return 'table';
  if ((OUTPUT_FORMATS as readonly string[]).includes(v)) return v as OutputFormat;
  throw new ConfigError(`--output must be one of ${OUTPUT_FORMATS.join(', ')}, not "${v}"`, {
    field: '--output',
  });
}

/** Formats that a program reads: nothing else may go to stdout with them. */
export function isMachineFormat(f: OutputFormat): boolean {
  return f === 'json' || f === 'yaml' || f === 'csv';
}

export function formatPlan(
  doc: PlanDocument,
  format: OutputFormat,
  opts: { width?: number; color?: boolean } = {},
): string {
  switch (format) {
    case 'table':
      return renderPlanTable(doc, opts);
    case 'wide':
      return renderPlanTable(doc, { ...opts, wide: true });
    case 'json':
      return JSON.stringify(planRows(doc), null, 2) + '\n';
    case 'yaml':
      return stringify(planRows(doc), { lineWidth: 0 });
    case 'csv':
      return toCsv(planRows(doc));
    case 'markdown':
      return toMarkdown(planRows(doc));
  }
}

export function toCsv(d: PlanRowsDocument): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of d.rows) lines.push(CSV_COLUMNS.map((c) => csvField(String(r[c]))).join(','));
  return lines.join('\r\n') + '\r\n';
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function toMarkdown(d: PlanRowsDocument): string {
  const out: string[] = [];
  const money = (n: RowCounts): string => describeMonthlyEffect(n.monthlySavings, d.currency);
  for (const c of d.clusters) {
    out.push(`## Cluster \`${c.cluster}\``, '');
    out.push(
      `${c.changes} change(s) in ${c.workloads} workload(s): ${c.accepted} accepted, ${c.clamped} clamped, ` +
        `${c.rejected} rejected; ${c.skipped} workload(s) skipped; ${money(c)}.`,
    );
    const rows = d.rows.filter((r) => r.cluster === c.cluster);
    for (const ns of [...new Set(rows.map((r) => r.namespace))]) {
      out.push('', `### Namespace \`${ns || '(cluster-scoped)'}\``, '');
      out.push('| Workload | Field | Change | Decision | Effect | Why |', '|---|---|---|---|---|---|');
      for (const r of rows.filter((x) => x.namespace === ns))
        out.push(
          `| ${md(`${r.kind}/${r.name}`)} | ${md(r.container ? `${r.container} ${r.resource}` : r.resource)} | ` +
            `${md(r.change)} | ${md(r.decision)} | ${r.monthlySavings ? md(describeMonthlyEffect(r.monthlySavings, d.currency)) : ''} | ${md(r.why)} |`,
        );
    }
    out.push('', '### Summary', '');
    out.push(
      '| Namespace | Workloads | Changes | Accepted | Clamped | Rejected | Skipped | Monthly effect |',
      '|---|--:|--:|--:|--:|--:|--:|---|',
    );
    const line = (name: string, n: RowCounts): string =>
      `| ${md(name)} | ${n.workloads} | ${n.changes} | ${n.accepted} | ${n.clamped} | ${n.rejected} | ${n.skipped} | ${money(n)} |`;
    for (const n of d.namespaces.filter((x) => x.cluster === c.cluster))
      out.push(line(n.namespace || '(cluster-scoped)', n));
    out.push(line('**total**', c), '');
  }
  if (d.clusters.length > 1)
    out.push(`**All clusters:** ${d.total.changes} change(s), ${money(d.total)}.`, '');
  return out.join('\n');
}

function md(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
