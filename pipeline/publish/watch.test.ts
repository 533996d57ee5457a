/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The post-merge regression signals, on models built by the real model builder: each fires only
 * for what happened after the merge, and throttling only when it is new.
 */
import { regressionSignals, DEFAULT_WATCH } from './watch.js';
import { container, deploymentWithPods, hpa, modelOf } from '../testing/model-fixtures.js';
import { series, windowOf, withUsage } from '../testing/usage-fixtures.js';

const END = 1_800_000_000 - (1_800_000_000 % 86400);
const MERGED = END - 3 * 86400; // three days before the end of the window
const MiB = 2 ** 20;

function web(o: { cpuLimit?: string; oomAt?: string } = {}) {
  return deploymentWithPods('web', 'shop', {
    replicas: 2,
    containers: [container({ name: 'web', cpu: '250m', cpuLimit: o.cpuLimit, memory: '256Mi' })],
  });
}

describe('publish/watch regression signals', () => {
  it('sees a container newly at its CPU limit after the merge, not one that always was', () => {
    const w = windowOf(END, 14);
    const model = (cpu: (t: number) => number) => {
      const m = modelOf(web({ cpuLimit: '500m' }), END);
      const pods = [...m.pods.values()];
      return withUsage(
        m,
        w,
        pods.map((p) =>
          series(w, { namespace: 'shop', pod: p.name, container: 'web' }, { cpu, mem: () => 100 * MiB }),
        ),
      );
    };
    const signals = (cpu: (t: number) => number, w = DEFAULT_WATCH) =>
      regressionSignals(model(cpu), 'Deployment/shop/web', MERGED, w);
    expect(signals((t) => (t >= MERGED ? 0.49 : 0.2))).toEqual([
      'container web ran at its CPU limit (500m, CFS-throttled) on 3 day(s) since the merge, on none before',
    ]);
    expect(signals(() => 0.49)).toEqual([]);
    expect(signals(() => 0.3)).toEqual([]);
    expect(signals((t) => (t >= MERGED ? 0.49 : 0.2), { ...DEFAULT_WATCH, throttling: false })).toEqual([]);
  });

  it('counts OOM kills after the merge only', () => {
    const after = new Date((MERGED + 3600) * 1000).toISOString();
    const before = new Date((MERGED - 3600) * 1000).toISOString();
    const objects = web();
    const pods = objects.filter((o) => o.kind === 'Pod');
    (pods[0]!.status as any).containerStatuses[0].lastState = {
      terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: after },
    };
    (pods[1]!.status as any).containerStatuses[0].lastState = {
      terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: before },
    };
    const m = modelOf(objects, END);
    const signals = regressionSignals(m, 'Deployment/shop/web', MERGED, DEFAULT_WATCH);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatch(/^1 OOM kill\(s\) since the merge \(web;/);
    expect(regressionSignals(m, 'Deployment/shop/web', MERGED, { ...DEFAULT_WATCH, maxOomKills: 1 })).toEqual(
      [],
    );
  });

  describe('restarts', () => {
    /** web's first pod: started at `startedAt`, restarted `count` times, last crash at `lastAt`. */
    function restarted(o: { startedAt: number; count: number; lastAt: number }) {
      const objects = web();
      const pod = objects.find((x) => x.kind === 'Pod')!;
      (pod.status as any).startTime = isoOf(o.startedAt);
      Object.assign((pod.status as any).containerStatuses[0], {
        restartCount: o.count,
        lastState: { terminated: { reason: 'Error', exitCode: 1, finishedAt: isoOf(o.lastAt) } },
      });
      return modelOf(objects, END);
    }

    it('counts every restart of a crash-looping pod the change rolled, not one per container', () => {
      const m = restarted({ startedAt: MERGED + 600, count: 12, lastAt: END - 60 });
      expect(regressionSignals(m, 'Deployment/shop/web', MERGED, DEFAULT_WATCH)).toEqual([
        '12 container restart(s) since the merge (Error)',
      ]);
    });

    it('does not count restarts from before the merge of a pod that is healthy since', () => {
      const m = restarted({ startedAt: MERGED - 86400, count: 12, lastAt: MERGED - 3600 });
      expect(regressionSignals(m, 'Deployment/shop/web', MERGED, DEFAULT_WATCH)).toEqual([]);
    });

    it('takes the counter increase from the metrics for a pod older than the merge', () => {
      const m = restarted({ startedAt: MERGED - 86400, count: 40, lastAt: END - 60 });
      const w = windowOf(END, 14);
      const pod = [...m.pods.values()].find((p) => p.workload === 'Deployment/shop/web')!;
      withUsage(m, w, [
        series(
          w,
          { namespace: 'shop', pod: pod.name, container: 'web' },
          { cpu: () => 0.1, mem: () => 100 * MiB },
        ),
      ]);
      // from the status alone, restartCount includes restarts before the merge: one is all it proves
      expect(regressionSignals(m, 'Deployment/shop/web', MERGED, DEFAULT_WATCH)).toEqual([]);
      const ref = { namespace: 'shop', pod: pod.name, container: 'web' };
      m.usage
        .get('Deployment/shop/web')!
        .restarts.push(
          { ...ref, time: MERGED - 600, count: 30 },
          { ...ref, time: MERGED + 3600, count: 2 },
          { ...ref, time: MERGED + 7200, count: 3 },
        );
      expect(regressionSignals(m, 'Deployment/shop/web', MERGED, DEFAULT_WATCH)).toEqual([
        '5 container restart(s) since the merge (Error)',
      ]);
    });
  });

  describe('readiness', () => {
    function unready(startedAt: number) {
      const objects = web();
      const pod = objects.find((x) => x.kind === 'Pod')!;
      (pod.status as any).startTime = isoOf(startedAt);
      (pod.status as any).conditions = [{ type: 'Ready', status: 'False' }];
      (pod.status as any).containerStatuses[0].ready = false;
      objects.find((x) => x.kind === 'Deployment')!.status = { replicas: 2, readyReplicas: 1 };
      return regressionSignals(modelOf(objects, END), 'Deployment/shop/web', MERGED, DEFAULT_WATCH);
    }

    it('sees a pod the change rolled that stayed unready past the sustain time', () => {
      expect(unready(MERGED + 3600)).toEqual([
        '1 pod(s) not ready for 30 min or more since the merge (web-7d9f8c6b5-aaaaa)',
      ]);
    });

    it('ignores a rollout in progress and a pod unready since before the merge', () => {
      expect(unready(END - 10 * 60)).toEqual([]);
      expect(unready(MERGED - 3600)).toEqual([]);
      expect(
        regressionSignals(modelOf(web(), END), 'Deployment/shop/web', MERGED, {
          ...DEFAULT_WATCH,
          unready: false,
        }),
      ).toEqual([]);
    });
  });

  describe('HPA at maxReplicas', () => {
    /** web with an HPA (max 3): pods a and b all along, pod c during `extra` (pod count 3). */
    function pinned(extra: [number, number][], sustainMinutes = 30) {
      const objects = deploymentWithPods('web', 'shop', {
        replicas: 3,
        containers: [
          container({ name: 'web', cpu: '250m', memory: '256Mi' }),
          container({ name: 'proxy', cpu: '50m', memory: '64Mi' }),
        ],
      });
      const h = hpa('web', 'shop', 'web', { min: 2, max: 3, cpuUtilization: 70 });
      // at its ceiling now in every case: only the history tells a new, sustained pin apart
      h.status = { currentReplicas: 3, desiredReplicas: 3 };
      const m = modelOf([...objects, h], END);
      const w = windowOf(END, 14);
      const names = [...m.pods.values()].map((p) => p.name).sort();
      const f = { cpu: () => 0.1, mem: () => 100 * MiB };
      const list = ['web', 'proxy'].flatMap((c) => [
        series(w, { namespace: 'shop', pod: names[0]!, container: c }, f),
        series(w, { namespace: 'shop', pod: names[1]!, container: c }, f),
        ...extra.map(([from, to]) =>
          series(w, { namespace: 'shop', pod: names[2]!, container: c }, f, { from, to }),
        ),
      ]);
      return regressionSignals(withUsage(m, w, list), 'Deployment/shop/web', MERGED, {
        ...DEFAULT_WATCH,
        sustainMinutes,
      });
    }

    it('sees an HPA newly held at its ceiling for longer than the sustain time', () => {
      expect(pinned([[MERGED + 3600, MERGED + 3 * 3600]])).toEqual([
        'HPA web held the workload at maxReplicas (3) for 2h after the merge, never that long before',
      ]);
    });

    it('ignores an HPA that was already at its ceiling before the merge, and a short peak', () => {
      expect(pinned([[MERGED - 6 * 3600, MERGED + 3 * 3600]])).toEqual([]);
      expect(pinned([[MERGED + 3600, MERGED + 3600 + 900]])).toEqual([]);
      // the same short peak counts when the configured sustain time is shorter
      expect(pinned([[MERGED + 3600, MERGED + 3600 + 900]], 15)).toHaveLength(1);
    });
  });
});

function isoOf(t: number): string {
  return new Date(t * 1000).toISOString();
}
