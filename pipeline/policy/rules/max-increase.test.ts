/**
 * max-increase on what right-sizing proposes: the ×4 step holds a raise that a few samples asked
 * for, and lets through the raise of a container that ran over its request (saturated), saying why.
 */
import { join } from 'node:path';
import { packageRoot } from '../../core/json-schema.js';
import { modelOf, deploymentWithPods, container } from '../../testing/model-fixtures.js';
import { series, windowOf, withUsage } from '../../testing/usage-fixtures.js';
import { analyzeRightsize } from '../../analyze/rightsize/analyze.js';
import { RIGHTSIZE_DEFAULTS } from '../../analyze/rightsize/args.js';
import type { AnalyzeContext } from '../../analyze/types.js';
import { loadPolicies } from '../load.js';
import { evaluatePolicies } from '../evaluate.js';

const END = 1_800_000_000 - (1_800_000_000 % 86400);
const MiB = 2 ** 20;
const ctx: AnalyzeContext = { now: END, cluster: 'test', clusterSettings: {} };
const w = windowOf(END);
const ref = { namespace: 'shop', pod: 'web-7d9f8c6b5-aaaaa', container: 'web' };
const bundled = loadPolicies(join(packageRoot(), 'policies'));

function decide(
  cpu: string,
  cpuLimit: string | undefined,
  usage: (t: number) => number,
  profile = 'balanced',
) {
  const objects = deploymentWithPods('web', 'shop', {
    replicas: 1,
    containers: [container({ name: 'web', cpu, cpuLimit, memory: '700Mi' })],
  });
  const m = withUsage(modelOf(objects), w, [series(w, ref, { cpu: usage, mem: () => 500 * MiB })]);
  const result = analyzeRightsize(m, { ...RIGHTSIZE_DEFAULTS, profile: profile as 'balanced' }, ctx);
  const [d] = evaluatePolicies(bundled, m, new Map([['rightsize', result]]), { now: END }).decided;
  const cpuOf = (role: 'requests' | 'limits') =>
    d!.fields.find((f) => f.path.slice(-2).join('.') === `${role}.cpu`)?.proposed;
  return { d: d!, request: cpuOf('requests'), limit: cpuOf('limits') };
}

describe('policy max-increase', () => {
  it('lets a saturated container’s CPU raise past ×4, request and limit, and says why (hand-computed)', () => {
    // 0.2 core in every interval on a 50m request: P90 200m ≥ 50m; target 200 × 1.15 = 230m (×4.6).
    const { d, request, limit } = decide('50m', '100m', () => 0.2);
    expect(request).toBe('230m');
    expect(limit).toBe('460m'); // the 2:1 limit ratio kept
    expect(d.decision).toBe('accepted');
    expect(d.outcomes.filter((o) => o.rule === 'max-increase')).toEqual([
      expect.objectContaining({
        decision: 'accepted',
        field: 'web cpu request',
        reason:
          'a ×4.6 CPU raise goes out above the ×4 step: the container is saturated (P90 of its 5-minute CPU is 200m, at or above its 50m request)',
      }),
      expect.objectContaining({
        decision: 'accepted',
        field: 'web cpu limit',
        reason:
          'a ×4.6 CPU raise goes out above the ×4 step: the container is saturated (P90 of its 5-minute CPU is 200m, at or above its 50m request)',
      }),
    ]);
  });

  it('keeps the ×4 step for a raise that bursts asked for while the container mostly idles below its request', () => {
    // 5 % of intervals at 2 cores, the rest 0.1 core, on a 150m request. The latency profile sizes
    // on the load-weighted P95 (2 cores: the bursts carry 100 of 109.5 load-units) → 2,300m, ×15.3;
    // the time P90 (≤ 105m) is below 150m, so not saturated: clamped to 4 × 150m = 600m.
    const bursty = (t: number): number => ((t / 300) % 20 === 0 ? 2 : 0.1);
    const { d, request } = decide('150m', undefined, bursty, 'latency');
    expect(request).toBe('600m');
    expect(d.decision).toBe('clamped');
    expect(d.outcomes).toContainEqual(
      expect.objectContaining({
        rule: 'max-increase',
        decision: 'clamped',
        reason: 'at most ×4 per change (the analyzer asked for ×15.3)',
      }),
    );
  });
});
