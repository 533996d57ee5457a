/**
 * Tidemark in the replay: exactly the code `plan` runs — the usage folder, the rightsize
 * analyzer, and the bundled policies through the policy engine (minimum history, minimum change,
 * maximum decrease counted from our own change history, the OOM invariant).
 */
import { join } from 'node:path';
import { createUsageFolder } from '../../../pipeline/model/usage/fold.js';
import {
  DEFAULT_DIGEST_OPTIONS,
  type DigestOptions,
} from '../../../pipeline/model/usage/container-digest.js';
import { rightsize } from '../../../pipeline/analyze/rightsize/index.js';
import type { RightsizeArgs, Profile } from '../../../pipeline/analyze/rightsize/args.js';
import { loadPolicies, evaluatePolicies } from '../../../pipeline/policy/index.js';
import { packageRoot } from '../../../pipeline/core/json-schema.js';
import { formatCpu, formatMemory } from '../../../pipeline/core/quantity.js';
import { modelOf, deploymentWithPods, container } from '../../../pipeline/testing/model-fixtures.js';
import type { KubeObject } from '../../../pipeline/collect/types.js';
import { HISTORY_DAYS, type Recommender } from './types.js';

/** Simulated time starts at a day boundary so decay and daily peaks line up with real days. */
export const T0 = 1_790_000_000 - (1_790_000_000 % 86400);

export function tidemarkRecommender(
  opts: {
    profile?: Profile;
    args?: Partial<RightsizeArgs>;
    name?: string;
    digest?: Partial<DigestOptions>;
    /** Reduce history older than `afterDays` to `step`-second intervals, as the Prometheus source's coarse tier does. */
    coarsen?: { afterDays: number; step: number };
    /** A policies directory other than the bundled one (tuning). */
    policies?: string;
  } = {},
): Recommender {
  const policies = loadPolicies(opts.policies ?? join(packageRoot(), 'policies'));
  const args: RightsizeArgs = {
    ...rightsize.defaults,
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...opts.args,
  };
  return {
    name: opts.name ?? `tidemark (${args.profile})`,
    decideDay(day, states) {
      const end = T0 + day * 86400;
      const histDays = Math.min(day, HISTORY_DAYS);
      const window = { start: end - histDays * 86400, end, step: 300 };
      const objects: KubeObject[] = [];
      for (const s of states) {
        objects.push(
          ...deploymentWithPods(s.w.id, 'bench', {
            replicas: 1,
            containers: [
              container({
                name: 'app',
                cpu: `${Math.round(s.cpu)}m`,
                memory: `${Math.round(s.mem / 2 ** 20)}Mi`,
              }),
            ],
          }),
        );
      }
      const model = modelOf(objects, end);
      const folder = createUsageFolder(window, undefined, { ...DEFAULT_DIGEST_OPTIONS, ...opts.digest });
      const from = (day - histDays) * 288;
      const to = day * 288;
      for (const s of states) {
        const w = model.workloads.get(`Deployment/bench/${s.w.id}`)!;
        const pod = w.podNames[0]!;
        const iv = opts.coarsen
          ? coarsened(s.iv, from, to, to - opts.coarsen.afterDays * 288, opts.coarsen.step / 300)
          : {
              cpuMean: s.iv.cpuMean.subarray(from, to),
              cpuMax: s.iv.cpuMax.subarray(from, to),
              memMax: s.iv.memMax.subarray(from, to),
            };
        folder.add(w.key, {
          namespace: 'bench',
          pod,
          container: 'app',
          offset: 0,
          cpuMean: iv.cpuMean,
          cpuMax: iv.cpuMax,
          memMax: iv.memMax,
          samples: ((to - from) * 300) / s.w.step,
        });
        for (const o of s.ooms) {
          if (o.time >= (day - histDays) * 86400 && o.time < day * 86400) {
            folder.addOom(w.key, {
              namespace: 'bench',
              pod,
              container: 'app',
              time: T0 + o.time,
              limitBytes: o.limit,
              source: 'metrics',
            });
          }
        }
      }
      model.usage = folder.finish();
      model.usageWindow = window;
      model.history = states.flatMap((s) =>
        s.history.map((h) => ({
          time: T0 + h.time,
          commit: 'replay',
          workload: `Deployment/bench/${s.w.id}`,
          field: h.field,
          from: h.from,
          to: h.to,
        })),
      );
      const result = rightsize.analyze(model, args, { now: end, cluster: 'bench', clusterSettings: {} });
      const { decided } = evaluatePolicies(policies, model, new Map([['rightsize', result]]), { now: end });
      const byId = new Map(states.map((s) => [`Deployment/bench/${s.w.id}`, s]));
      for (const d of decided) {
        if (d.decision === 'rejected') continue;
        const s = byId.get(d.workload)!;
        for (const f of d.fields) {
          const q = f.quantity;
          if (!q || q.role !== 'request') continue;
          const before = q.resource === 'cpu' ? s.cpu : s.mem;
          if (q.proposed === before) continue;
          s.history.push({
            time: day * 86400,
            field: `container/app/requests/${q.resource}`,
            from: q.resource === 'cpu' ? formatCpu(before) : formatMemory(before),
            to: String(f.proposed),
          });
          if (q.resource === 'cpu') s.cpu = q.proposed;
          else s.mem = q.proposed;
        }
      }
    },
  };
}

/**
 * The coarse tier as Prometheus returns it: before `fineFrom`, each run of `k` intervals (aligned
 * to the window) carries its mean CPU, its highest CPU peak and its highest memory peak.
 */
function coarsened(
  iv: { cpuMean: Float32Array; cpuMax: Float32Array; memMax: Float32Array },
  from: number,
  to: number,
  fineFrom: number,
  k: number,
): { cpuMean: Float32Array; cpuMax: Float32Array; memMax: Float32Array } {
  const cpuMean = iv.cpuMean.slice(from, to);
  const cpuMax = iv.cpuMax.slice(from, to);
  const memMax = iv.memMax.slice(from, to);
  const edge = Math.max(0, fineFrom - from);
  for (let a = 0; a + k <= edge; a += k) {
    let sum = 0;
    let n = 0;
    let cmax = NaN;
    let mmax = NaN;
    for (let i = a; i < a + k; i++) {
      if (!Number.isNaN(cpuMean[i]!)) {
        sum += cpuMean[i]!;
        n++;
      }
      if (!(cmax >= cpuMax[i]!)) cmax = Number.isNaN(cpuMax[i]!) ? cmax : cpuMax[i]!;
      if (!(mmax >= memMax[i]!)) mmax = Number.isNaN(memMax[i]!) ? mmax : memMax[i]!;
    }
    for (let i = a; i < a + k; i++) {
      cpuMean[i] = n ? sum / n : NaN;
      cpuMax[i] = cmax;
      memMax[i] = mmax;
    }
  }
  return { cpuMean, cpuMax, memMax };
}
