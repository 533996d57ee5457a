/**
 * The report's figures from the fleet fixture (testing/plan-fixtures.ts), each computed by hand:
 * a core costs 0.05 × 730 = 36.5 a month, a GiB 0.01 × 730 = 7.3.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTidemarkEvents } from '../../collect/git-history/events.js';
import { fleetPlans, fleetRepo, FLEET_NOW, FLEET_PULLS } from '../../testing/plan-fixtures.js';
import type { ReportData } from '../data.js';
import { buildReport } from './build.js';

const DAY = 86400;

async function report(opts: { history?: boolean } = {}): Promise<ReportData> {
  const plans = fleetPlans().map((p) => ({
    file: `/artifacts/${p.name}/plan.json`,
    doc: p.doc,
    ...(p.name === 'prod-now' ? { pulls: FLEET_PULLS } : {}),
  }));
  const repo = await fleetRepo(mkdtempSync(join(tmpdir(), 'fleet-')));
  const since = FLEET_NOW - 60 * DAY;
  const events = opts.history === false ? undefined : await readTidemarkEvents(repo, { since });
  return buildReport({
    plans,
    periodSeconds: 30 * DAY,
    ...(events ? { events, history: { repo, since } } : {}),
  });
}

describe('report/model/build', () => {
  let d: ReportData;
  beforeAll(async () => {
    d = await report();
  });

  it('header: cost now against a period ago, requested and idle, savings proposed, merged and realised, risk', () => {
    // Nodes: prod 800 + staging 100; a period ago 900 + 100.
    expect(d.header.cost).toEqual({ now: 900, before: 1000 });
    // web 3 × (36.5 + 2 × 7.3) = 153.3; checkout 2 × (73 + 29.2) = 204.4; etl 146 + 58.4 = 204.4;
    // staging web 18.25 + 7.3 = 25.55. A period ago web was 3 × (43.8 + 14.6) = 175.2.
    expect(d.header.requested.now).toBeCloseTo(587.65, 9);
    expect(d.header.requested.before).toBeCloseTo(609.55, 9);
    // Above P95: web 1.5 cores + 3 GiB = 54.75 + 21.9; checkout 1.5 cores + 2 GiB = 54.75 + 14.6;
    // etl 2.8 cores = 102.2; staging has no usage.
    expect(d.header.idle).toBeCloseTo(248.2, 9);
    // 54.75 + 73 + 3.65
    expect(d.header.savings.proposed).toBeCloseTo(131.4, 9);
    // web's 1200m → 1 (0.2 × 3 × 36.5 = 21.9, live now) and checkout's 4Gi → 3Gi (1 × 2 × 7.3 = 14.6,
    // not live); etl's change is older than the period.
    expect(d.header.savings.merged).toBeCloseTo(36.5, 9);
    expect(d.header.savings.realised).toBeCloseTo(21.9, 9);
    expect(d.header.savings.mergedChanges).toBe(2);
    expect(d.header.risk).toEqual({
      ooms: 2,
      oomWorkloads: 1,
      throttledDays: 1,
      throttledWorkloads: 1,
      reverted: 1,
      guardian: 1,
    });
    expect(d.now).toBe(FLEET_NOW);
  });

  it('ranks by cost share × effect × ease × core, core pushed down, every factor kept', () => {
    const names = d.ranking.workloads.map((r) => {
      const w = d.workloads[r.workload]!;
      return `${w.cluster}/${w.namespace}/${w.name}`;
    });
    // checkout saves more (73 against 54.75) but is core: 73 / 587.65 × 0.25 < 54.75 / 587.65.
    expect(names).toEqual(['prod/shop/web', 'prod/shop/checkout', 'staging/shop/web']);
    const [web, checkout, staging] = d.ranking.workloads;
    expect(web!.costShare).toBeCloseTo(153.3 / 587.65, 12);
    expect(web!.effect).toBeCloseTo(54.75 / 153.3, 12);
    expect(web!.ease).toBe(1);
    expect(web!.score).toBeCloseTo(54.75 / 587.65, 12);
    expect(checkout!.core).toBe(0.25);
    expect(checkout!.score).toBeCloseTo((73 / 587.65) * 0.25, 12);
    // medium risk (0.7) × medium confidence (0.8)
    expect(staging!.ease).toBeCloseTo(0.56, 12);
    expect(staging!.easeWhy).toBe('medium risk, medium confidence (rightsize)');
    expect(d.ranking.namespaces.map((n) => `${n.cluster}/${n.namespace}`)).toEqual([
      'prod/shop',
      'staging/shop',
    ]);
  });

  it('before and after per stage, with the saving a period ago', () => {
    const rs = d.stages.find((s) => s.stage === 'rightsize')!;
    expect(rs).toMatchObject({ recommendations: 3, workloads: 3 });
    // 3 × 1 + 2 × 2 + 0.5 = 7.5 cores, 6 + 8 + 1 = 15 GiB; after 3 × 0.6 + 2 × 1 + 0.5 = 4.3 cores, 4.5 + 8 + 0.5 = 13 GiB.
    expect(rs.before.detail).toBe('7.50 cores, 15.00Gi');
    expect(rs.after.detail).toBe('4.30 cores, 13.00Gi');
    expect(rs.before.monthly).toBeCloseTo(383.25, 9);
    expect(rs.after.monthly).toBeCloseTo(251.85, 9);
    expect(rs.saving.now).toBeCloseTo(131.4, 9);
    expect(rs.saving.before).toBeCloseTo(21.9, 9);
    const sd = d.stages.find((s) => s.stage === 'scaledown')!;
    expect(sd).toMatchObject({
      recommendations: 0,
      before: { detail: '3 node(s)', monthly: 900 },
      saving: { now: 0, before: 0 },
    });
  });

  it('compares clusters and teams, this period against the one before', () => {
    const prod = d.groups.clusters.find((g) => g.name === 'prod')!;
    expect(prod.nodes).toEqual({ now: 800, before: 900 });
    expect(prod.cost.now).toBeCloseTo(562.1, 9);
    expect(prod.cost.before).toBeCloseTo(584, 9);
    expect(prod.proposed.now).toBeCloseTo(127.75, 9);
    expect(prod.proposed.before).toBeCloseTo(21.9, 9);
    expect(prod.merged).toBeCloseTo(36.5, 9);
    expect(prod.realised).toBeCloseTo(21.9, 9);
    expect(prod.coreShare).toBeCloseTo(204.4 / 562.1, 12);
    expect(d.groups.teams.map((t) => t.name)).toEqual(['data', 'storefront']);
    const store = d.groups.teams[1]!;
    expect(store.cost.now).toBeCloseTo(383.25, 9);
    expect(store.cost.before).toBeCloseTo(405.15, 9);
    expect(store.proposed.now).toBeCloseTo(131.4, 9);
    expect(store.merged).toBeCloseTo(36.5, 9);
    expect(d.groups.teams[0]).toMatchObject({ name: 'data', workloads: 1, throttledDays: 1 });
  });

  it('keeps a requested-cost trend per day, each cluster at its last known cost', () => {
    const days = d.trend.times.map((t) => (t - FLEET_NOW) / DAY);
    // staging a period before (T−41), prod a period before (T−31), prod's window (T−14 … T−1).
    expect(days).toEqual([-41, -31, ...Array.from({ length: 14 }, (_, i) => i - 14)]);
    expect(d.trend.cost[0]).toBeCloseTo(25.55, 9);
    expect(d.trend.cost[1]).toBeCloseTo(609.55, 9);
    for (const c of d.trend.cost.slice(2)) expect(c).toBeCloseTo(587.65, 6);
  });

  it('drills down to namespaces and workloads, with the open pull request', () => {
    const web = d.workloads.find((w) => w.cluster === 'prod' && w.name === 'web')!;
    expect(web.cost).toBeCloseTo(153.3, 9);
    expect(web.usedCost).toBeCloseTo(54.75 + 21.9, 9);
    expect(web.idle).toBeCloseTo(76.65, 9);
    expect(web.proposedCost).toBeCloseTo(153.3 - 54.75, 9);
    expect(web.containers[0]).toMatchObject({
      name: 'web',
      proposedCpuCores: 0.6,
      proposedMemoryBytes: 1536 * 2 ** 20,
    });
    expect(web.pulls.map((i) => d.pulls[i]!.url)).toEqual(['https://github.com/acme/gitops/pull/42']);
    const shop = d.namespaces.find((n) => n.cluster === 'prod' && n.namespace === 'shop')!;
    expect(shop).toMatchObject({ workloads: 2, ooms: 2, pulls: [0] });
    expect(shop.cost).toBeCloseTo(357.7, 9);
  });

  it('says so when no history was read, and counts nothing from it', async () => {
    const none = await report({ history: false });
    expect(none.header.savings).toMatchObject({ merged: 0, realised: 0, mergedChanges: 0 });
    expect(none.header.risk).toMatchObject({ reverted: 0, guardian: 0 });
    expect(none.sources.notes).toContain(
      'No repository history was read: merged, realised, reverted and guardian figures are 0.',
    );
  });
});
