/**
 * One schedule, four objects: the form the cluster runs (formats.md §2). Each keeps a planned
 * floor while the HPA may still scale further on CPU, except tkestack's, which only sets replicas.
 */
import type { JsonValue } from '../types.js';
import type { ObjectRef } from '../../model/types.js';
import type { WorkloadModel } from '../../model/types.js';
import { cpuMetric } from '../hpa/manifest.js';
import { cronMoments, cronMomentsIn, fiveField, sixField, type CronMoment } from './cron.js';
import type { Schedule } from './schedule.js';

export type CronForm = 'aliyun' | 'keda' | 'crane' | 'tkestack';

/** What the schedule drives: the HPA's numbers, from the hpa analyzer or the live HPA. */
export interface HpaBasis {
  /** Name of the HPA in the cluster (existing), or of the one adopted in the same change. */
  name?: string;
  existing: boolean;
  min: number;
  max: number;
  target: number;
  container?: string;
  behavior?: JsonValue;
}

export interface RenderedForm {
  object: ObjectRef;
  manifest: Record<string, JsonValue>;
  schema: string;
  /** Objects this one takes the place of in the same change (the plain HPA KEDA or Crane now owns). */
  replaces: ObjectRef[];
  warnings: string[];
  /** JSON pointers an in-cluster controller rewrites on which object: GitOps must ignore them. */
  drift: { object: ObjectRef; pointers: string[] }[];
  lines: string[];
}

const SCHEMA = 'https://tidemark.io/schemas/kubernetes/';

/**
 * Set on every schedule object Tidemark writes, so a later plan knows the object is its own and
 * may move its times (after a daylight-saving change, or when the ramp moved), while one a human
 * wrote is left alone.
 */
export const MANAGED_BY: Readonly<Record<string, string>> = { 'app.kubernetes.io/managed-by': 'tidemark' };

export function managedByTidemark(labels: Record<string, string> | undefined): boolean {
  return labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY['app.kubernetes.io/managed-by'];
}

type Seg = string | number | { name: string };

/** Where each form keeps its schedule: the list, how an entry is named, and its time fields. */
const SCHEDULE_FIELDS: Record<
  CronForm,
  { list: string; named: boolean; only?: (x: Record<string, unknown>) => boolean; times: string[][] }
> = {
  aliyun: { list: 'jobs', named: true, times: [['schedule']] },
  tkestack: { list: 'crons', named: false, times: [['schedule']] },
  keda: {
    list: 'triggers',
    named: true,
    only: (x) => x.type === 'cron',
    times: [
      ['metadata', 'start'],
      ['metadata', 'end'],
    ],
  },
  crane: { list: 'crons', named: true, times: [['start'], ['end']] },
};

export interface ScheduleEdit {
  path: Seg[];
  current: JsonValue;
  proposed: JsonValue;
}

/**
 * The time fields that differ between a schedule object Tidemark wrote earlier and the one it
 * would write now, as in-place edits (entries matched by name, tkestack's by position). Only
 * times: a down job's size is the HPA floor, which the Aliyun controller itself rewrites in the
 * live HPA, so live state cannot say what it should be. When the entries no longer line up (a
 * window appeared or went away) there is no in-place edit, and the reason says so.
 */
export function scheduleEdits(
  form: CronForm,
  existingSpec: unknown,
  rendered: Record<string, JsonValue>,
): { edits: ScheduleEdit[] } | { reason: string } {
  const f = SCHEDULE_FIELDS[form];
  const list = (spec: unknown): Record<string, unknown>[] => {
    const l = (spec as Record<string, unknown> | undefined)?.[f.list];
    return (Array.isArray(l) ? l : []).filter(
      (x): x is Record<string, unknown> => !!x && typeof x === 'object' && (!f.only || f.only(x)),
    );
  };
  const before = list(existingSpec);
  const after = list(rendered.spec);
  const id = (x: Record<string, unknown>, i: number) => (f.named ? String(x.name) : String(i));
  const ids = (l: Record<string, unknown>[]) => l.map(id).sort().join(',');
  if (ids(before) !== ids(after))
    return {
      reason: `its ${f.list} (${ids(before) || 'none'}) no longer line up with the windows found now (${ids(after)})`,
    };
  const edits: ScheduleEdit[] = [];
  after.forEach((entry, i) => {
    const old = f.named ? before.find((b) => b.name === entry.name)! : before[i]!;
    for (const leaf of f.times) {
      const get = (o: Record<string, unknown>) =>
        leaf.reduce<unknown>((x, k) => (x as Record<string, unknown> | undefined)?.[k], o);
      const current = get(old);
      const proposed = get(entry);
      if (current !== proposed)
        edits.push({
          path: ['spec', f.list, f.named ? { name: String(entry.name) } : i, ...leaf],
          current: (current ?? null) as JsonValue,
          proposed: proposed as JsonValue,
        });
    }
  });
  return { edits };
}

function target(w: WorkloadModel): Record<string, JsonValue> {
  return { apiVersion: w.apiVersion, kind: w.kind, name: w.name };
}

function slug(label: string): string {
  return label.replace(/\s+/g, '-');
}

/** The up/down moments of one window, paired (each window has one of each). */
function pairs(moments: CronMoment[]): { up: CronMoment; down: CronMoment }[] {
  const out: { up: CronMoment; down: CronMoment }[] = [];
  for (const up of moments.filter((m) => m.kind === 'up')) {
    const down = moments.find((m) => m.kind === 'down' && m.window === up.window)!;
    out.push({ up, down });
  }
  return out;
}

const hpaRef = (w: WorkloadModel, name: string): ObjectRef => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  namespace: w.namespace,
  name,
});

/**
 * Aliyun: targets the HPA and rewrites its min/max at each job, so every "up" job has a "down"
 * job restoring the floor, and GitOps must ignore the HPA's min/max (refused where it cannot).
 */
export function aliyunForm(
  w: WorkloadModel,
  s: Schedule,
  hpa: HpaBasis,
  controllerZone: string,
  reference: number,
): RenderedForm {
  const name = hpa.name ?? w.name;
  const { moments, seasonal } = cronMomentsIn(s, controllerZone, reference);
  const used = new Map<string, number>();
  const jobs = moments.map((m) => {
    const base = `${slug(m.window.label)}-${m.kind}`;
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return {
      name: n > 1 ? `${base}-${n}` : base,
      schedule: sixField(m),
      targetSize: m.kind === 'up' ? m.window.replicas : hpa.min,
    };
  });
  const warnings = [
    `Aliyun's controller runs jobs in its own zone (${controllerZone}); the ${s.timezone} schedule was converted to it.`,
  ];
  if (seasonal)
    warnings.push(
      `${s.timezone} and ${controllerZone} are apart by a different offset in summer and winter: after a daylight-saving change the jobs run an hour off until the next plan moves them (it rewrites the job times of this object, which carries app.kubernetes.io/managed-by: tidemark; keep that label, or move the times by hand).`,
    );
  return {
    object: {
      apiVersion: 'autoscaling.alibabacloud.com/v1beta1',
      kind: 'CronHorizontalPodAutoscaler',
      namespace: w.namespace,
      name: w.name,
    },
    manifest: {
      apiVersion: 'autoscaling.alibabacloud.com/v1beta1',
      kind: 'CronHorizontalPodAutoscaler',
      metadata: { name: w.name, namespace: w.namespace, labels: { ...MANAGED_BY } },
      spec: {
        scaleTargetRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name },
        jobs,
      },
    },
    schema: `${SCHEMA}aliyun-cronhorizontalpodautoscaler-v1beta1.json`,
    replaces: [],
    warnings,
    drift: [{ object: hpaRef(w, name), pointers: ['/spec/minReplicas', '/spec/maxReplicas'] }],
    lines: jobs.map((j) => `\`${j.schedule}\` (${controllerZone}) → ${j.targetSize} (${j.name})`),
  };
}

/**
 * KEDA: a ScaledObject with one cron trigger per window and the CPU trigger. An existing HPA is
 * taken over through KEDA's ownership transfer (its webhook rejects a second HPA), never deleted
 * in the same change.
 */
export function kedaForm(w: WorkloadModel, s: Schedule, hpa: HpaBasis): RenderedForm {
  const triggers: JsonValue[] = pairs(cronMoments(s)).map(({ up, down }) => ({
    type: 'cron',
    name: `${slug(up.window.label)}-peak`,
    metadata: {
      timezone: s.timezone,
      start: fiveField(up),
      end: fiveField(down),
      desiredReplicas: String(up.window.replicas),
    },
  }));
  triggers.push({
    type: 'cpu',
    metricType: 'Utilization',
    metadata: { value: String(hpa.target), ...(hpa.container ? { containerName: hpa.container } : {}) },
  });
  const takeOver = hpa.existing && hpa.name;
  return {
    object: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', namespace: w.namespace, name: w.name },
    manifest: {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: {
        name: w.name,
        namespace: w.namespace,
        labels: { ...MANAGED_BY },
        ...(takeOver ? { annotations: { 'scaledobject.keda.sh/transfer-hpa-ownership': 'true' } } : {}),
      },
      spec: {
        scaleTargetRef: target(w),
        minReplicaCount: hpa.min,
        maxReplicaCount: hpa.max,
        advanced: {
          horizontalPodAutoscalerConfig: {
            ...(takeOver ? { name: hpa.name! } : {}),
            ...(hpa.behavior ? { behavior: hpa.behavior } : {}),
          },
        },
        triggers,
      },
    },
    schema: `${SCHEMA}keda-scaledobject-v1alpha1.json`,
    // KEDA's HPA is the only one: the plain HPA an adoption would add, or the tuning of the live
    // one, is dropped from the change. A live HPA stays in Git until KEDA owns it (its webhook
    // rejects a second HPA, so it is not deleted in the same change); meanwhile the engine must
    // not put back what KEDA writes to it.
    replaces: [hpaRef(w, hpa.name ?? w.name)],
    warnings: takeOver
      ? [
          `KEDA takes over HPA ${hpa.name} (transfer-hpa-ownership); once it owns it, remove the HPA manifest from Git in its own change.`,
        ]
      : [],
    drift: takeOver ? [{ object: hpaRef(w, hpa.name!), pointers: ['/spec'] }] : [],
    lines: pairs(cronMoments(s)).map(
      ({ up, down }) =>
        `\`${fiveField(up)}\` → \`${fiveField(down)}\` (${s.timezone}): at least ${up.window.replicas}`,
    ),
  };
}

/**
 * Crane's EHPA embeds the autoscaling/v2beta2 behavior, which has no `tolerance`: the API server
 * would prune it from the EHPA and Argo CD would show the diff forever. The HPA Crane derives
 * then uses the cluster-wide tolerance.
 */
export function withoutTolerance(behavior: JsonValue): JsonValue {
  if (!behavior || typeof behavior !== 'object' || Array.isArray(behavior)) return behavior;
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(behavior)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const { tolerance: _dropped, ...rest } = v;
      out[k] = rest;
    } else out[k] = v;
  }
  return out;
}

/** Crane: an EHPA whose crons become one external metric; Crane then owns `ehpa-<name>`. */
export function craneForm(w: WorkloadModel, s: Schedule, hpa: HpaBasis): RenderedForm {
  const crane = (m: CronMoment) => `${m.minute} ${m.hour} ? * ${m.dow}`;
  const crons: JsonValue[] = pairs(cronMoments(s)).map(({ up, down }) => ({
    name: `${slug(up.window.label)}-peak`,
    timezone: s.timezone,
    description: `Tidemark: ${up.window.label} peak`,
    start: crane(up),
    end: crane(down),
    targetReplicas: up.window.replicas,
  }));
  return {
    object: {
      apiVersion: 'autoscaling.crane.io/v1alpha1',
      kind: 'EffectiveHorizontalPodAutoscaler',
      namespace: w.namespace,
      name: w.name,
    },
    manifest: {
      apiVersion: 'autoscaling.crane.io/v1alpha1',
      kind: 'EffectiveHorizontalPodAutoscaler',
      metadata: { name: w.name, namespace: w.namespace, labels: { ...MANAGED_BY } },
      spec: {
        scaleTargetRef: target(w),
        minReplicas: hpa.min,
        maxReplicas: hpa.max,
        scaleStrategy: 'Auto',
        metrics: [cpuMetric(hpa.target, hpa.container)],
        ...(hpa.behavior ? { behavior: withoutTolerance(hpa.behavior) } : {}),
        crons,
      },
    },
    schema: `${SCHEMA}crane-effectivehorizontalpodautoscaler-v1alpha1.json`,
    replaces: [hpaRef(w, w.name)],
    warnings: [],
    drift: [],
    lines: crons.map((c) => {
      const x = c as Record<string, JsonValue>;
      return `\`${String(x.start)}\` → \`${String(x.end)}\` (${s.timezone}): at least ${String(x.targetReplicas)}`;
    }),
  };
}

/**
 * tkestack: sets replicas through the workload's /scale and cannot link to an HPA (an HPA would
 * undo it at its next sync), so only for workloads without one. The workload's replicas are then
 * the controller's: GitOps must ignore them.
 */
export function tkestackForm(
  w: WorkloadModel,
  s: Schedule,
  floor: number,
  controllerZone: string,
  reference: number,
): RenderedForm {
  const { moments, seasonal } = cronMomentsIn(s, controllerZone, reference);
  const crons = moments.map((m) => ({
    schedule: fiveField(m),
    targetReplicas: m.kind === 'up' ? m.window.replicas : floor,
  }));
  return {
    object: {
      apiVersion: 'extensions.tkestack.io/v1',
      kind: 'CronHPA',
      namespace: w.namespace,
      name: w.name,
    },
    manifest: {
      apiVersion: 'extensions.tkestack.io/v1',
      kind: 'CronHPA',
      metadata: { name: w.name, namespace: w.namespace, labels: { ...MANAGED_BY } },
      spec: { scaleTargetRef: target(w), crons },
    },
    schema: `${SCHEMA}tkestack-cronhpa-v1.json`,
    replaces: [],
    warnings: [
      `tkestack's CronHPA cannot link to an HPA: it sets replicas at the scheduled times and nothing scales between them.`,
      `Its controller runs jobs in its own zone (${controllerZone}); the ${s.timezone} schedule was converted to it.`,
      ...(seasonal
        ? [
            `${s.timezone} and ${controllerZone} differ by a seasonal offset: after a daylight-saving change the jobs run an hour off until the next plan moves them (it rewrites the schedules of this object, which carries app.kubernetes.io/managed-by: tidemark; keep that label, or move the times by hand).`,
          ]
        : []),
    ],
    drift: [
      {
        object: { apiVersion: w.apiVersion, kind: w.kind, namespace: w.namespace, name: w.name },
        pointers: ['/spec/replicas'],
      },
    ],
    lines: crons.map((c) => `\`${c.schedule}\` (${controllerZone}) → ${c.targetReplicas}`),
  };
}
