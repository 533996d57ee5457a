/**
 * One change must never hold scaling objects that contradict each other: the HPA says floor 2
 * while the KEDA ScaledObject that takes its place says 3, a scheduled count outside the bounds
 * of the autoscaler it drives, a written spec.replicas outside them. This reads every object that
 * sets a workload's replicas as it will be after the change — the live HPAs and schedule objects
 * with the change's field edits applied, the new objects as rendered, and what the change
 * proposed for an object another one replaces — and names each disagreement by both objects and
 * both fields. A disagreement is reported only where the change writes at least one side of it.
 */
import type { ClusterModel, ObjectRef, WorkloadModel } from '../model/types.js';
import type { FieldPath, JsonValue } from '../analyze/types.js';
import type { WorkloadChange } from '../plan/types.js';
import { formatFieldPath } from '../plan/field-path.js';

type Form = 'hpa' | 'keda' | 'crane' | 'aliyun' | 'tkestack';

const FORMS: Record<string, Form> = {
  HorizontalPodAutoscaler: 'hpa',
  ScaledObject: 'keda',
  EffectiveHorizontalPodAutoscaler: 'crane',
  CronHorizontalPodAutoscaler: 'aliyun',
  CronHPA: 'tkestack',
};

/** The model's key for each schedule form's kind (model.others). */
const OTHER_KINDS = [
  'keda.sh/ScaledObject',
  'autoscaling.crane.io/EffectiveHorizontalPodAutoscaler',
  'autoscaling.alibabacloud.com/CronHorizontalPodAutoscaler',
  'extensions.tkestack.io/CronHPA',
];

interface Value {
  value: number;
  field: string;
}

interface Scaler {
  form: Form;
  /** "ScaledObject web" */
  label: string;
  key: string;
  min?: Value;
  max?: Value;
  /** Replica counts set at scheduled times. */
  scheduled: Value[];
  /** The HPA an Aliyun CronHPA drives, by name. */
  drives?: string;
  /** Objects this one takes the place of (keys). */
  replaces: string[];
  /** Whether the change writes (creates, edits, or replaces) this object. */
  written: boolean;
}

const keyOf = (o: { kind: string; namespace?: string; name: string }): string =>
  `${o.kind}/${o.namespace ?? ''}/${o.name}`;

function get(spec: unknown, path: (string | number | { name: string })[]): unknown {
  let x: unknown = spec;
  for (const seg of path) {
    if (x === null || typeof x !== 'object') return undefined;
    if (typeof seg === 'object')
      x = Array.isArray(x) ? x.find((i) => (i as { name?: unknown })?.name === seg.name) : undefined;
    else x = (x as Record<string | number, unknown>)[seg];
  }
  return x;
}

function count(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/**
 * One object's replica numbers. `edits` are the change's field proposals for it, by path text;
 * a value they set wins over the manifest's.
 */
function scalerOf(
  ref: { kind: string; namespace?: string; name: string },
  manifest: Record<string, unknown>,
  edits: Map<string, JsonValue | undefined>,
  written: boolean,
  replaces: ObjectRef[] = [],
): Scaler | undefined {
  const form = FORMS[ref.kind];
  if (!form) return undefined;
  const read = (path: (string | number | { name: string })[]): Value | undefined => {
    const field = formatFieldPath(path as FieldPath);
    const value = count(edits.has(field) ? edits.get(field) : get(manifest, path));
    return value === undefined ? undefined : { value, field };
  };
  const s: Scaler = {
    form,
    label: `${ref.kind} ${ref.name}`,
    key: keyOf(ref),
    scheduled: [],
    replaces: replaces.map(keyOf),
    written: written || edits.size > 0,
  };
  const list = (name: string): Record<string, unknown>[] => {
    const l = get(manifest, ['spec', name]);
    return Array.isArray(l) ? (l.filter((x) => x && typeof x === 'object') as Record<string, unknown>[]) : [];
  };
  const entry = (x: Record<string, unknown>, i: number) =>
    typeof x.name === 'string' ? { name: x.name } : i;
  switch (form) {
    case 'hpa':
      // minReplicas defaults to 1 in autoscaling/v2.
      s.min = read(['spec', 'minReplicas']) ?? { value: 1, field: 'spec.minReplicas' };
      s.max = read(['spec', 'maxReplicas']);
      break;
    case 'keda':
      // KEDA's defaults: 0 and 100.
      s.min = read(['spec', 'minReplicaCount']) ?? { value: 0, field: 'spec.minReplicaCount' };
      s.max = read(['spec', 'maxReplicaCount']) ?? { value: 100, field: 'spec.maxReplicaCount' };
      list('triggers').forEach((t, i) => {
        if (t.type !== 'cron') return;
        const v = read(['spec', 'triggers', entry(t, i), 'metadata', 'desiredReplicas']);
        if (v) s.scheduled.push(v);
      });
      break;
    case 'crane':
      s.min = read(['spec', 'minReplicas']) ?? { value: 1, field: 'spec.minReplicas' };
      s.max = read(['spec', 'maxReplicas']);
      list('crons').forEach((c, i) => {
        const v = read(['spec', 'crons', entry(c, i), 'targetReplicas']);
        if (v) s.scheduled.push(v);
      });
      break;
    case 'aliyun': {
      const ref = get(manifest, ['spec', 'scaleTargetRef']) as { kind?: string; name?: string } | undefined;
      if (ref?.kind === 'HorizontalPodAutoscaler' && typeof ref.name === 'string') s.drives = ref.name;
      list('jobs').forEach((j, i) => {
        const v = read(['spec', 'jobs', entry(j, i), 'targetSize']);
        if (v) s.scheduled.push(v);
      });
      break;
    }
    case 'tkestack':
      list('crons').forEach((c, i) => {
        const v = read(['spec', 'crons', i, 'targetReplicas']);
        if (v) s.scheduled.push(v);
      });
      break;
  }
  return s;
}

function targets(spec: unknown, w: WorkloadModel, hpaNames: Set<string>): boolean {
  const ref = get(spec, ['scaleTargetRef']) as { kind?: string; name?: string } | undefined;
  if (!ref) return false;
  return (
    (ref.kind === w.kind && ref.name === w.name) ||
    (ref.kind === 'HorizontalPodAutoscaler' && typeof ref.name === 'string' && hpaNames.has(ref.name))
  );
}

/** Every object that sets this workload's replicas, as the change leaves it. */
function scalersOf(model: ClusterModel, w: WorkloadModel, change: WorkloadChange): Scaler[] {
  const carried = change.replaced ?? { objects: [], fields: [] };
  const fields = [...change.fields, ...carried.fields];
  const editsOf = (key: string): Map<string, JsonValue | undefined> =>
    new Map(fields.filter((f) => keyOf(f.object) === key).map((f) => [formatFieldPath(f.path), f.proposed]));
  const out = new Map<string, Scaler>();
  const add = (s: Scaler | undefined): void => {
    if (s) out.set(s.key, s);
  };
  // Live HPAs of the workload (not the ones KEDA or Crane generate: their owner sets them).
  const hpas = model.hpas.filter((h) => h.workload === w.key && !h.ownedBy);
  for (const h of hpas) {
    const ref = { kind: 'HorizontalPodAutoscaler', namespace: h.namespace, name: h.name };
    add(
      scalerOf(
        ref,
        { spec: { minReplicas: h.minReplicas, maxReplicas: h.maxReplicas } },
        editsOf(keyOf(ref)),
        false,
      ),
    );
  }
  const hpaNames = new Set([
    ...hpas.map((h) => h.name),
    ...[...change.objects, ...carried.objects]
      .filter((o) => o.object.kind === 'HorizontalPodAutoscaler')
      .map((o) => o.object.name),
  ]);
  // Live schedule objects aimed at the workload or its HPA.
  for (const kind of OTHER_KINDS)
    for (const o of model.others.get(kind) ?? [])
      if (o.namespace === w.namespace && targets(o.spec, w, hpaNames))
        add(scalerOf(o, { spec: o.spec }, editsOf(keyOf(o)), false));
  // What the change creates, and what it proposed for an object another one replaces.
  for (const o of [...carried.objects, ...change.objects])
    add(scalerOf(o.object, o.manifest, editsOf(keyOf(o.object)), true, o.replaces));
  return [...out.values()];
}

const show = (s: Scaler, v: Value): string => `${s.label} ${v.field} ${v.value}`;

/** What contradicts what in this change, one sentence each; empty when the objects agree. */
export function scalingContradictions(
  model: ClusterModel,
  w: WorkloadModel,
  change: WorkloadChange,
): string[] {
  const scalers = scalersOf(model, w, change);
  const out: string[] = [];
  const say = (a: Scaler, b: Scaler, text: string): void => {
    if (a.written || b.written) out.push(text);
  };
  const replacedBy = new Map<string, Scaler>();
  for (const s of scalers) for (const k of s.replaces) replacedBy.set(k, s);
  const byKey = new Map(scalers.map((s) => [s.key, s]));

  for (const s of scalers) {
    if (s.min && s.max && s.min.value > s.max.value)
      say(s, s, `${show(s, s.min)} is above ${show(s, s.max)}`);
    // A scheduled count outside the bounds of the autoscaler that applies it.
    const bounds =
      s.form === 'aliyun' && s.drives
        ? byKey.get(keyOf({ kind: 'HorizontalPodAutoscaler', namespace: w.namespace, name: s.drives }))
        : s;
    if (bounds?.min && bounds.max)
      for (const v of s.scheduled)
        if (v.value < bounds.min.value || v.value > bounds.max.value)
          say(
            s,
            bounds,
            `${show(s, v)} is outside ${show(bounds, bounds.min)} – ${bounds.max.field} ${bounds.max.value}`,
          );
    // Aliyun's lowest job restores the HPA's floor: it must be that floor.
    if (s.form === 'aliyun' && bounds && bounds !== s && bounds.min && s.scheduled.length) {
      const lowest = s.scheduled.reduce((a, b) => (b.value < a.value ? b : a));
      if (lowest.value !== bounds.min.value)
        say(s, bounds, `${show(s, lowest)} restores a floor other than ${show(bounds, bounds.min)}`);
    }
  }

  // An object that takes an HPA's place carries the floor and ceiling the change gives that HPA.
  for (const [key, by] of replacedBy) {
    const hpa = byKey.get(key);
    if (!hpa || hpa.form !== 'hpa') continue;
    for (const side of ['min', 'max'] as const) {
      const a = hpa[side];
      const b = by[side];
      if (a && b && a.value !== b.value)
        say(hpa, by, `${show(hpa, a)} but ${show(by, b)}, which takes its place`);
    }
  }

  // Autoscalers in force (not replaced): each pair must agree, and tkestack's schedule has none beside it.
  const active = scalers.filter(
    (s) => (s.form === 'hpa' || s.form === 'keda' || s.form === 'crane') && !replacedBy.has(s.key),
  );
  for (let i = 0; i < active.length; i++)
    for (let j = i + 1; j < active.length; j++) {
      const [a, b] = [active[i]!, active[j]!];
      for (const side of ['min', 'max'] as const) {
        const x = a[side];
        const y = b[side];
        if (x && y && x.value !== y.value)
          say(a, b, `${show(a, x)} but ${show(b, y)}; both scale ${w.kind} ${w.name}`);
      }
    }
  for (const t of scalers.filter((s) => s.form === 'tkestack'))
    for (const a of active)
      say(t, a, `${t.label} sets replicas on a schedule that ${a.label} rewrites at its next sync`);

  // A written spec.replicas inside the bounds of the autoscaler in force.
  const replicas = change.fields.find(
    (f) =>
      f.object.kind === w.kind && f.object.name === w.name && formatFieldPath(f.path) === 'spec.replicas',
  );
  const n = count(replicas?.proposed);
  if (n !== undefined)
    for (const a of active)
      if ((a.min && n < a.min.value) || (a.max && n > a.max.value))
        out.push(
          `${w.kind} ${w.name} spec.replicas ${n} is outside ${show(a, a.min!)} – ${a.max?.field ?? 'max'} ${a.max?.value ?? '∞'}`,
        );
  return [...new Set(out)];
}
