/**
 * The first lines of a PR body, what a reviewer decides on: what changes (per workload, in words
 * and values, structured values summarised), what it saves or adds per month, and how risky it
 * is and why. Everything after them is the detail behind these lines.
 */
import type { PlanRecommendationJson } from '../../plan/plan-document.js';
import { describeMonthlyEffect, formatMoney, type Savings } from '../../plan/savings.js';
import { humanBytes, parseQuantity } from '../../core/quantity.js';
import type { ChangeRow } from './rows.js';
import { summarizeValueChange } from './value-summary.js';

/** Workloads listed in "What changes" before "and N more". */
const WORKLOADS_SHOWN = 8;
/** Changes (recommendations) listed per workload before "and N more". */
const CHANGES_SHOWN = 5;

const RISK_ORDER = ['low', 'medium', 'high'];

export function summaryLines(
  rows: ChangeRow[],
  recs: PlanRecommendationJson[],
  savings: Savings,
  currency: string,
): string[] {
  return [...whatChanges(rows, recs), '', savingsLine(savings, currency), '', riskLine(recs)];
}

function savingsLine(savings: Savings, currency: string): string {
  const effect = describeMonthlyEffect(savings.total, currency);
  if (!savings.cores && !savings.bytes) return `**What it saves:** ${effect}: no request changes.`;
  return (
    `**What it saves:** ${effect} ` +
    `(CPU ${formatMoney(savings.cpu, currency)}, memory ${formatMoney(savings.memory, currency)}; ` +
    `${signed(savings.cores, 2)} cores, ${savings.bytes >= 0 ? '' : '-'}${humanBytes(Math.abs(savings.bytes))} requested).`
  );
}

/**
 * Per workload, each change by its subject with its values (a change without fields, such as a
 * new HPA or schedule, by its subject alone).
 */
function whatChanges(rows: ChangeRow[], recs: PlanRecommendationJson[]): string[] {
  if (!recs.length) return ['**What changes:** nothing passed policy and rendering in this run.'];
  const byWorkload = new Map<string, string[]>();
  for (const rec of recs) {
    const values = rows.filter((r) => r.rec === rec).map(describeRow);
    const item = values.length ? `${rec.subject}: ${values.join(', ')}` : rec.subject;
    byWorkload.set(rec.workload, [...(byWorkload.get(rec.workload) ?? []), item]);
  }
  const out = ['**What changes:**', ''];
  const workloads = [...byWorkload];
  for (const [workload, items] of workloads.slice(0, WORKLOADS_SHOWN)) {
    if (items.length === 1) {
      out.push(`- \`${workload}\`, ${items[0]}`);
      continue;
    }
    out.push(`- \`${workload}\``);
    for (const item of items.slice(0, CHANGES_SHOWN)) out.push(`  - ${item}`);
    if (items.length > CHANGES_SHOWN) out.push(`  - and ${items.length - CHANGES_SHOWN} more`);
  }
  if (workloads.length > WORKLOADS_SHOWN)
    out.push(`- and ${workloads.length - WORKLOADS_SHOWN} more workload(s), in the tables below`);
  return out;
}

function describeRow(r: ChangeRow): string {
  const summary = summarizeValueChange(r.current, r.proposed);
  return summary ? `${r.resource}: ${summary}` : `${r.resource} ${r.current} → ${r.proposed}`;
}

/** The highest risk of the PR's changes, and the kinds of caveat behind it, counted. */
function riskLine(recs: PlanRecommendationJson[]): string {
  const level = recs.reduce(
    (a, r) => (RISK_ORDER.indexOf(r.risk) > RISK_ORDER.indexOf(a) ? r.risk : a),
    'low',
  );
  const count = (p: (r: PlanRecommendationJson) => boolean): number => recs.filter(p).length;
  const notes: string[] = [];
  const oomRaised = count(
    (r) =>
      r.evidence.ooms > 0 &&
      r.fields.some((f) => /memory$/.test(f.path) && quantity(f.proposed) > quantity(f.current)),
  );
  if (oomRaised) notes.push(`${oomRaised} OOM-killed container(s) get more memory`);
  const clamped = count((r) => r.decision === 'clamped');
  if (clamped) notes.push(`${clamped} change(s) held back by policy, which the next run may continue`);
  const limits = count((r) => r.fields.some((f) => /limits\./.test(f.path)));
  if (limits) notes.push(`${limits} change(s) to a limit`);
  const young = count((r) => r.evidence.confidence?.level === 'low');
  if (young) notes.push(`${young} with little history`);
  const high = count((r) => r.risk === 'high');
  if (high) notes.push(`${high} marked high risk by the analyzer`);
  if (notes.length) return `**Risk: ${level}.** ${capitalize(notes.join('; '))}: see *Risks* below.`;
  if (level === 'low')
    return '**Risk: low.** Nothing beyond the usual: watch OOMs and throttling after merge.';
  const rated = [...new Set(recs.filter((r) => r.risk === level).map((r) => r.analyzer))].join(', ');
  return `**Risk: ${level}**, as the ${rated} analyzer rates this kind of change; watch the workloads after merge.`;
}

function quantity(v: unknown): number {
  if (typeof v !== 'number' && typeof v !== 'string') return NaN;
  try {
    return parseQuantity(v);
  } catch {
    return NaN;
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function signed(v: number, digits: number): string {
  return (v >= 0 ? '' : '-') + Math.abs(v).toFixed(digits);
}
