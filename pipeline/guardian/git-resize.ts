/**
 * What Git owes the guardian's memory raises. A resized pod differs from its template until the
 * next rollout, which would bring the old limit (and the OOM) back; so once a raise has been live
 * for `resize.gitAfterSeconds` (2 h by default), or has been needed on two pods of one workload,
 * the workload's memory in Git is proposed at the resized value through the emergency PR path.
 * Pods themselves are not in Git, so Argo CD and Flux never fight the resize itself. When every
 * raise of the workload is rolled back, an emergency PR Git never took is closed; a merged one
 * stays (the next plan sees the raise as history and right-sizes from the evidence).
 *
 * Pure: journal in, proposals out; git-agreement.ts publishes them and journals each attempt.
 */
import type { FieldPath } from '../analyze/types.js';
import type { EmergencyObject } from '../publish/emergency.js';
import { formatQuantity, parseValue } from './decide-resize.js';
import type { JournalEntry } from './kube/journal.js';
import type { GuardianSettings } from './settings.js';

export interface ResizeField {
  container: string;
  role: 'limit' | 'request';
  /** What Git should hold after the PR, and the other value it may hold. */
  live: string;
  other: string;
}

export interface ResizeProposal {
  /** "namespace/Kind/name". */
  key: string;
  object: EmergencyObject;
  mode: 'lift' | 'restore';
  fields: ResizeField[];
  /** What Git is asked to hold, as one string: a settled attempt with the same value is not repeated. */
  value: string;
  /** The journal entries the attempt is recorded on. */
  entries: string[];
  why: string;
}

/** Outcomes that end the attempt for this value (as for lifted ceilings). */
export const SETTLED_ACTIONS = new Set([
  'created',
  'updated',
  'unchanged',
  'git-agrees',
  'git-differs',
  'not-in-git',
  'blocked-human-edit',
]);
/** An emergency PR exists for it: a restore must follow. */
const OPENED = new Set(['created', 'updated', 'unchanged']);

const API_VERSION: Record<string, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
};

export function resizeFieldPath(f: Pick<ResizeField, 'container' | 'role'>): FieldPath {
  return [
    'spec',
    'template',
    'spec',
    'containers',
    { name: f.container },
    'resources',
    f.role === 'limit' ? 'limits' : 'requests',
    'memory',
  ];
}

const isRaise = (e: JournalEntry) =>
  e.action === 'resize' &&
  e.revision?.resource === 'memory' &&
  e.revision.direction === 'raise' &&
  e.revision.workload !== undefined &&
  e.revision.workload.split('/')[0]! in API_VERSION;

/**
 * Per container and role: the largest raised value (what the pods need) and the declared one
 * (the oldest revision's `before`).
 */
function fieldsOf(
  list: JournalEntry[],
): { container: string; role: 'limit' | 'request'; raised: number; declared: number }[] {
  const out = new Map<
    string,
    { container: string; role: 'limit' | 'request'; raised: number; declared: number; at: number }
  >();
  for (const e of [...list].sort((a, b) => a.at - b.at)) {
    const r = e.revision!;
    for (const role of ['limit', 'request'] as const) {
      const after = parseValue('memory', r.after[role]);
      const before = parseValue('memory', r.before[role]);
      if (after === undefined || before === undefined) continue;
      const k = `${r.container}/${role}`;
      const f = out.get(k);
      if (!f) out.set(k, { container: r.container, role, raised: after, declared: before, at: e.at });
      else f.raised = Math.max(f.raised, after);
    }
  }
  return [...out.values()]
    .sort((a, b) => a.container.localeCompare(b.container) || a.role.localeCompare(b.role))
    .map(({ container, role, raised, declared }) => ({ container, role, raised, declared }));
}

export function resizeProposals(entries: JournalEntry[], g: GuardianSettings, now: number): ResizeProposal[] {
  const groups = new Map<string, JournalEntry[]>();
  for (const e of entries)
    if (isRaise(e)) {
      const k = `${e.target.split('/')[1]}/${e.revision!.workload}`;
      const list = groups.get(k) ?? [];
      list.push(e);
      groups.set(k, list);
    }
  const out: ResizeProposal[] = [];
  for (const [key, list] of groups) {
    const [namespace, kind, name] = key.split('/') as [string, string, string];
    const object = { apiVersion: API_VERSION[kind]!, kind, namespace, name };
    const active = list.filter((e) => e.state === 'active');
    const live = active.filter((e) => e.revision!.status === 'done');
    if (live.length) {
      const pods = new Set(active.map((e) => e.revision!.uid)).size;
      const oldest = Math.min(...live.map((e) => e.revision!.statusAt ?? e.at));
      if (pods < 2 && now - oldest < g.resize.gitAfterSeconds) continue;
      const fields = fieldsOf(active).map((f) => ({
        container: f.container,
        role: f.role,
        live: formatQuantity('memory', f.raised),
        other: formatQuantity('memory', f.declared),
      }));
      const value = valueOf(fields);
      if (active.every((e) => e.git?.lift?.value === value && SETTLED_ACTIONS.has(e.git.lift.action)))
        continue;
      const newest = [...live].sort((a, b) => b.at - a.at)[0]!;
      out.push({
        key,
        object,
        mode: 'lift',
        fields,
        value,
        entries: active.map((e) => e.id),
        why: `${pods >= 2 ? `memory raised in place on ${pods} pods of ${kind} ${namespace}/${name}` : `a memory raise live for ${Math.round((now - oldest) / 60)} min on ${kind} ${namespace}/${name}`}; its next rollout would bring the old limit (and the OOM) back. Latest: ${newest.why}`,
      });
      continue;
    }
    // Every raise of the workload is over: an emergency PR Git never took is closed.
    if (active.length) continue;
    const lifted = list.filter((e) => e.git?.lift && OPENED.has(e.git.lift.action));
    if (!lifted.length || lifted.some((e) => e.git?.restore && SETTLED_ACTIONS.has(e.git.restore.action)))
      continue;
    const fields = fieldsOf(lifted).map((f) => ({
      container: f.container,
      role: f.role,
      live: formatQuantity('memory', f.declared),
      other: formatQuantity('memory', f.raised),
    }));
    out.push({
      key,
      object,
      mode: 'restore',
      fields,
      value: valueOf(fields),
      entries: lifted.map((e) => e.id),
      why: `every memory raise on ${kind} ${namespace}/${name} has been rolled back or released`,
    });
  }
  return out;
}

function valueOf(fields: ResizeField[]): string {
  return fields.map((f) => `${f.container}.${f.role}=${f.live}`).join(',');
}
