import type { AnalyzeContext, AnalyzerResult, Recommendation } from './types.js';
import { upstreamFor } from './upstream.js';

const rec = (workload: string, subject: string): Recommendation =>
  ({ id: `rightsize:${workload}:${subject}`, analyzer: 'rightsize', workload, subject }) as Recommendation;

const ctx = (recs: Recommendation[]): AnalyzeContext => ({
  now: 0,
  cluster: 'c',
  clusterSettings: {},
  upstream: new Map([['rightsize', { recommendations: recs, skipped: [] } as unknown as AnalyzerResult]]),
});

describe('analyze/upstream', () => {
  it("gives one workload's recommendations in their order, and nothing for another or a missing analyzer", () => {
    const c = ctx([
      rec('Deployment/a/web', 'cpu'),
      rec('Deployment/a/api', 'cpu'),
      rec('Deployment/a/web', 'memory'),
    ]);
    expect(upstreamFor(c, 'rightsize', 'Deployment/a/web').map((r) => r.subject)).toEqual(['cpu', 'memory']);
    expect(upstreamFor(c, 'rightsize', 'Deployment/a/api').map((r) => r.subject)).toEqual(['cpu']);
    expect(upstreamFor(c, 'rightsize', 'Deployment/a/none')).toEqual([]);
    expect(upstreamFor(c, 'hpa', 'Deployment/a/web')).toEqual([]);
  });

  it("indexes each run's own list: another result is not answered from the first one's index", () => {
    expect(upstreamFor(ctx([rec('Deployment/a/web', 'cpu')]), 'rightsize', 'Deployment/a/web')).toHaveLength(
      1,
    );
    expect(upstreamFor(ctx([rec('Deployment/b/web', 'cpu')]), 'rightsize', 'Deployment/a/web')).toHaveLength(
      0,
    );
  });
});
