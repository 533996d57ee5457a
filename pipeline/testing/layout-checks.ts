/**
 * Checks the layout end-to-end tests share: what a plan proposed, that a build (kubectl kustomize,
 * helm template) of the applied branch carries exactly those values, and that every other byte of
 * the build is what it was before.
 */
import { parseAllDocuments } from 'yaml';
import type { PlanDocument } from '../plan/plan-document.js';
import { parseQuantity } from '../core/quantity.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface Proposal {
  workload: string;
  kind: string;
  namespace: string;
  name: string;
  container: string;
  /** "requests.cpu", "limits.memory". */
  field: string;
  current: unknown;
  proposed: unknown;
}

/** Every container-resource field the plan rendered, per workload. */
export function renderedProposals(doc: PlanDocument): Proposal[] {
  const out: Proposal[] = [];
  for (const c of doc.clusters)
    for (const r of c.recommendations) {
      if (r.render.status !== 'rendered') continue;
      const [kind, namespace, name] = r.workload.split('/') as [string, string, string];
      for (const f of r.fields) {
        const m = /containers\[name=([^\]]+)\]\.resources\.(requests|limits)\.(cpu|memory)$/.exec(f.path);
        if (!m || f.proposed === f.current) continue;
        out.push({
          workload: r.workload,
          kind,
          namespace,
          name,
          container: m[1]!,
          field: `${m[2]}.${m[3]}`,
          current: f.current,
          proposed: f.proposed,
        });
      }
    }
  return out;
}

function docsOf(text: string): any[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as any)
    .filter((d) => d && typeof d === 'object');
}

const keyOf = (d: any): string => `${d.kind}/${d.metadata?.namespace ?? ''}/${d.metadata?.name}`;

/**
 * The build after equals the build before with exactly the proposed values set (quantities by
 * value, so `"100m"` and `100m` agree): the proposals landed, nothing else moved. Returns the
 * problems, empty when it holds.
 */
export function buildDifference(
  before: string,
  after: string,
  proposals: Proposal[],
  match: (d: any, p: Proposal) => boolean = (d, p) => d.kind === p.kind && d.metadata?.name === p.name,
): string[] {
  const problems: string[] = [];
  const a = docsOf(before);
  const b = docsOf(after);
  if (a.length !== b.length) problems.push(`${a.length} objects before, ${b.length} after`);
  for (const p of proposals) {
    const target = a.filter((d) => match(d, p));
    if (target.length !== 1) {
      problems.push(`${p.workload}: ${target.length} matching objects in the build`);
      continue;
    }
    const c = target[0].spec?.template?.spec?.containers?.find((x: any) => x.name === p.container);
    if (!c) {
      problems.push(`${p.workload}: no container ${p.container} in the build`);
      continue;
    }
    const [group, res] = p.field.split('.') as [string, string];
    const was = c.resources?.[group]?.[res];
    if (!sameQuantity(was, p.current))
      problems.push(
        `${p.workload} ${p.container} ${p.field}: the build before held ${String(was)}, the plan read ${String(p.current)}`,
      );
    c.resources ??= {};
    c.resources[group] ??= {};
    c.resources[group][res] = p.proposed;
  }
  const byKey = new Map(b.map((d) => [keyOf(d), d]));
  for (const d of a) {
    const other = byKey.get(keyOf(d));
    if (!other) problems.push(`${keyOf(d)} is gone after the edit`);
    else if (!sameData(d, other)) problems.push(`${keyOf(d)} differs beyond the proposed values`);
  }
  return problems;
}

function sameQuantity(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  try {
    return Math.abs(parseQuantity(a as string) - parseQuantity(b as string)) < 1e-9;
  } catch {
    return false;
  }
}

function sameData(a: any, b: any): boolean {
  if (typeof a === 'string' || typeof a === 'number') {
    if (typeof b === 'string' || typeof b === 'number') return sameQuantity(a, b) || String(a) === String(b);
    return false;
  }
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameData(x, b[i]));
  if (a && typeof a === 'object') {
    if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameData(a[k], b[k]));
  }
  return a === b;
}

/** The lines a diff of one file changed (`-` and `+`, without the headers). */
export function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  const removed = a.filter((l, i) => b[i] !== l);
  const added = b.filter((l, i) => a[i] !== l);
  return { removed, added };
}
