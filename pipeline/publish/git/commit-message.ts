/**
 * Commit messages for Tidemark changes: a conventional subject, a body listing each change, and
 * one `Tidemark-Change:` trailer per field so later runs find our last change to a field in the
 * repository history (the max-decrease rule counts from it) — see collect/git-history/trailers.ts.
 */
import { createHash } from 'node:crypto';
import type { WorkloadChange } from '../../plan/types.js';
import { formatFieldPath } from '../../plan/field-path.js';
import { CLUSTER_TRAILER, formatChangeTrailer } from '../../collect/git-history/trailers.js';

export function fieldId(path: (string | number | { name: string })[]): string {
  // containers[name=web].resources.requests.cpu → container/web/requests/cpu
  const s = formatFieldPath(path);
  const m = /(containers|initContainers)\[name=([^\]]+)\]\.resources\.(requests|limits)\.(cpu|memory)$/.exec(
    s,
  );
  if (m) return `${m[1] === 'initContainers' ? 'initContainer' : 'container'}/${m[2]}/${m[3]}/${m[4]}`;
  return s;
}

/**
 * A value as one token for subjects and trailers: structured values (JSON in a ConfigMap key) by a
 * short digest of what they mean, so a trailer stays one line and equal JSON reads equal.
 */
export function valueText(v: unknown): string {
  let data: unknown = v;
  if (typeof v === 'string' && /^\s*[{[]/.test(v)) {
    try {
      data = JSON.parse(v);
    } catch {
      return v;
    }
  }
  if (data === null || typeof data !== 'object') return String(v);
  return `json:${createHash('sha256').update(canonical(data)).digest('hex').slice(0, 8)}`;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** The verb for what a change does: right-size, autoscale, overcommit, or several. */
function verbOf(changes: WorkloadChange[]): string {
  const ids = new Set(changes.flatMap((c) => [...c.fields, ...c.objects].map((x) => x.analyzer)));
  const verbs = [
    ...(ids.has('rightsize') ? ['right-size'] : []),
    ...(ids.has('hpa') || ids.has('cronhpa') ? ['autoscale'] : []),
    ...(ids.has('overcommit') ? ['overcommit'] : []),
    ...(ids.has('placement') ? ['place'] : []),
    ...(ids.has('scaledown')
      ? [changes.some((c) => /^Node(Group|Pool)\//.test(c.workload)) ? 'scale down' : 'protect']
      : []),
  ];
  return verbs.join(' + ') || 'update';
}

export function commitMessage(changes: WorkloadChange[], opts: { cluster?: string } = {}): string {
  const fields = changes.flatMap((c) => c.fields.map((f) => ({ c, f })));
  const objects = changes.flatMap((c) => c.objects.map((o) => ({ c, o })));
  const verb = verbOf(changes);
  let subject: string;
  if (changes.length === 1 && fields.length === 0 && objects.length >= 1) {
    const [, ns, name] = changes[0]!.workload.split('/');
    subject = `chore(tidemark): ${verb} ${ns}/${name} (add ${objects.map(({ o }) => o.object.kind).join(', ')})`;
  } else if (changes.length === 1 && fields.length >= 1) {
    const [kind, ns, name] = changes[0]!.workload.split('/');
    const parts = fields.map(({ f }) => {
      const id = fieldId(f.path).split('/');
      const what = id.length === 4 ? `${id[3]}${id[2] === 'limits' ? ' limit' : ''}` : fieldId(f.path);
      return `${what} ${valueText(f.current ?? '—')}→${valueText(f.proposed ?? '∅')}`;
    });
    subject = `chore(tidemark): ${verb} ${ns}/${name} ${parts.join(', ')}`;
    if (subject.length > 100)
      subject = `chore(tidemark): ${verb} ${kind?.toLowerCase()} ${ns}/${name} (${fields.length + objects.length} changes)`;
  } else {
    subject = `chore(tidemark): ${verb} ${changes.length} workloads${opts.cluster ? ` in ${opts.cluster}` : ''}`;
  }
  const body = [
    ...fields.map(
      ({ c, f }) =>
        `- ${c.workload} ${fieldId(f.path)}: ${valueText(f.current ?? '—')} → ${valueText(f.proposed ?? '(removed)')}`,
    ),
    ...objects.map(({ c, o }) => `- ${c.workload}: new ${o.object.kind} ${o.object.name}`),
    ...changes.flatMap((c) =>
      (c.handOver ?? []).map(
        (h) =>
          `- ${c.workload}: ${h.object.kind} ${h.object.name} ${h.pointers.join(', ')} left to ${h.owner} (GitOps ignore rule)`,
      ),
    ),
  ];
  const policies = [
    ...new Set(changes.flatMap((c) => c.recommendations.flatMap((r) => r.outcomes.map((o) => o.policy)))),
  ].sort();
  const trailers = fields.map(({ c, f }) =>
    formatChangeTrailer({
      workload: c.workload,
      field: fieldId(f.path),
      from: f.current === undefined ? undefined : valueText(f.current),
      to: f.proposed === undefined ? undefined : valueText(f.proposed),
    }),
  );
  trailers.push(`Tidemark-Policy: ${policies.length ? policies.join(', ') : 'defaults'}`);
  // The cost report attributes a change to its cluster when clusters share a repository.
  if (opts.cluster && !opts.cluster.includes(',')) trailers.push(`${CLUSTER_TRAILER}: ${opts.cluster}`);
  return [subject, '', ...body, '', ...trailers, ''].join('\n');
}
