/**
 * A fleet's plans in one summary: every cluster's plan.json (one per job, e.g. a GitHub Actions
 * matrix's artifacts) read back, checked against the plan schema, and added up per cluster and
 * for the fleet. Clusters the config lists but no plan holds are named as missing (their job
 * failed or did not run), never left out silently.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { getValidator, describeAjvError } from '../core/json-schema.js';
import { tidemarkVersion } from '../core/version.js';
import { roundSavings } from '../plan/round-plan.js';
import { addSavings, NO_SAVINGS, describeMonthlyEffect, type Savings } from '../plan/savings.js';
import type { PlanDocument } from '../plan/plan-document.js';
import type { FleetCluster } from './clusters.js';

export const FLEET_SCHEMA = 'https://tidemark.io/schemas/fleet.json';

export interface FleetClusterSummary {
  name: string;
  group?: string;
  /** The plan.json it was read from. */
  plan: string;
  planGeneratedAt: string;
  window: { start: string; end: string };
  recommendations: number;
  accepted: number;
  clamped: number;
  rejected: number;
  skipped: number;
  workloadsChanged: number;
  savings: Savings;
}

export interface FleetDocument {
  apiVersion: 'tidemark.io/v1alpha1';
  kind: 'Fleet';
  generatedAt: string;
  tidemarkVersion: string;
  currency: string;
  clusters: FleetClusterSummary[];
  /** Clusters of the config without a plan: their job failed or did not run. */
  missing: { name: string; group?: string }[];
  totals: {
    clusters: number;
    planned: number;
    missing: number;
    recommendations: number;
    accepted: number;
    clamped: number;
    rejected: number;
    skipped: number;
    workloadsChanged: number;
    savings: Savings;
  };
}

/** `path` is a plan.json or a folder holding one. */
export function readPlanFile(path: string): { file: string; doc: PlanDocument } {
  const abs = resolve(path);
  const file = existsSync(abs) && statSync(abs).isDirectory() ? join(abs, 'plan.json') : abs;
  if (!existsSync(file)) throw new ConfigError('no plan.json here', { file, field: 'DIR' });
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`not JSON: ${(err as Error).message}`, { file }, { cause: err });
  }
  const validate = getValidator('https://tidemark.io/schemas/plan.json');
  if (!validate(doc)) {
    const { field, message } = describeAjvError(validate.errors![0]!);
    throw new ConfigError(`not a Tidemark plan: ${message}`, { file, object: 'Plan', field });
  }
  return { file, doc: doc as PlanDocument };
}

export function summarizeFleet(
  plans: { file: string; doc: PlanDocument }[],
  opts: { expected?: FleetCluster[]; now: Date },
): FleetDocument {
  if (!plans.length) throw new ConfigError('no plans given', { field: 'DIR' });
  const currency = plans[0]!.doc.prices.currency;
  const from = new Map<string, string>();
  const groups = new Map((opts.expected ?? []).map((c) => [c.name, c.group]));
  const clusters: FleetClusterSummary[] = [];
  for (const { file, doc } of plans) {
    if (doc.prices.currency !== currency)
      throw new ConfigError(
        `prices in ${doc.prices.currency}, but ${plans[0]!.file} has ${currency}: a fleet total needs one currency`,
        { file, field: 'prices.currency' },
      );
    for (const c of doc.clusters) {
      const earlier = from.get(c.name);
      if (earlier)
        throw new ConfigError(`cluster ${c.name} is planned twice (also in ${earlier})`, {
          file,
          object: `cluster ${c.name}`,
        });
      from.set(c.name, file);
      const group = groups.get(c.name);
      clusters.push({
        name: c.name,
        ...(group ? { group } : {}),
        plan: file,
        planGeneratedAt: doc.generatedAt,
        window: { start: c.window.start, end: c.window.end },
        recommendations: c.summary.recommendations,
        accepted: c.summary.accepted,
        clamped: c.summary.clamped,
        rejected: c.summary.rejected,
        skipped: c.summary.skipped,
        workloadsChanged: c.summary.workloadsChanged,
        savings: c.summary.savings,
      });
    }
  }
  clusters.sort((a, b) => a.name.localeCompare(b.name));
  const missing = (opts.expected ?? [])
    .filter((c) => !from.has(c.name))
    .map((c) => ({ name: c.name, ...(c.group ? { group: c.group } : {}) }));
  const sum = (k: 'recommendations' | 'accepted' | 'clamped' | 'rejected' | 'skipped' | 'workloadsChanged') =>
    clusters.reduce((n, c) => n + c[k], 0);
  return {
    apiVersion: 'tidemark.io/v1alpha1',
    kind: 'Fleet',
    generatedAt: opts.now.toISOString(),
    tidemarkVersion: tidemarkVersion(),
    currency,
    clusters,
    missing,
    totals: {
      clusters: clusters.length + missing.length,
      planned: clusters.length,
      missing: missing.length,
      recommendations: sum('recommendations'),
      accepted: sum('accepted'),
      clamped: sum('clamped'),
      rejected: sum('rejected'),
      skipped: sum('skipped'),
      workloadsChanged: sum('workloadsChanged'),
      // Each cluster's savings are already in cents; the fleet's total is the sum of what is shown.
      savings: roundSavings(clusters.reduce((s, c) => addSavings(s, c.savings), NO_SAVINGS)),
    },
  };
}

/** The fleet in Markdown, for a job summary ($GITHUB_STEP_SUMMARY) or a terminal. */
export function fleetMarkdown(f: FleetDocument): string {
  const t = f.totals;
  const lines = [
    `## Tidemark fleet: ${t.planned} of ${t.clusters} cluster(s) planned`,
    '',
    `${t.recommendations} recommendation(s) — ${t.accepted} accepted, ${t.clamped} clamped, ${t.rejected} rejected; ` +
      `${t.workloadsChanged} workload(s) changed; ${t.skipped} skipped; ${describeMonthlyEffect(t.savings.total, f.currency)}`,
    '',
    '| cluster | group | recommendations | accepted | clamped | rejected | workloads changed | skipped | monthly effect |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...f.clusters.map(
      (c) =>
        `| ${c.name} | ${c.group ?? ''} | ${c.recommendations} | ${c.accepted} | ${c.clamped} | ${c.rejected} | ${c.workloadsChanged} | ${c.skipped} | ${describeMonthlyEffect(c.savings.total, f.currency)} |`,
    ),
    ...f.missing.map(
      (c) => `| ${c.name} | ${c.group ?? ''} | no plan: the job failed or did not run | | | | | | |`,
    ),
  ];
  return lines.join('\n') + '\n';
}
