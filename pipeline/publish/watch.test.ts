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

  it('counts OOM kills after the merge only, and sees an HPA pinned at its ceiling', () => {
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
    const pinned = hpa('web', 'shop', 'web', { min: 2, max: 2, cpuUtilization: 70 });
    const m = modelOf([...objects, pinned], END);
    const signals = regressionSignals(m, 'Deployment/shop/web', MERGED, DEFAULT_WATCH);
    expect(signals[0]).toMatch(/^1 OOM kill\(s\) since the merge \(web;/);
    expect(signals).toContain('HPA web is pinned at maxReplicas (2)');
    expect(
      regressionSignals(m, 'Deployment/shop/web', MERGED, {
        ...DEFAULT_WATCH,
        maxOomKills: 1,
        hpaAtMax: false,
      }),
    ).toEqual([]);
  });
});
