import { buildClusterModel } from '../model/build/index.js';
import { container, deployment, deploymentWithPods, inventory, node } from '../testing/model-fixtures.js';
import { series, windowOf, withUsage } from '../testing/usage-fixtures.js';
import { reportSettingsFrom } from '../config/report-settings.js';
import type { DecidedRecommendation } from '../policy/types.js';
import { buildInventory, decodeSeries, SERIES_POINTS } from './inventory.js';
import { configPrices, openCostPrices } from './prices.js';

const END = 1795132800;
const W = windowOf(END);
const GiB = 2 ** 30;
const MiB = 2 ** 20;
const PRICES = { cpuCoreHour: 0.031, memoryGiBHour: 0.0042, currency: 'USD' };
/** Window day 3, 10:00–11:00: both web pods at their 1-core limit. */
const SPIKE = W.start + 3 * 86400 + 10 * 3600;

function model() {
  const m = buildClusterModel(
    inventory([
      node('node-1'),
      node('node-2'),
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'payments', labels: { team: 'payments-team' } },
      },
      ...deploymentWithPods('web', 'shop', {
        replicas: 2,
        labels: { app: 'web', team: 'storefront' },
        containers: [container({ name: 'web', cpu: '500m', memory: '512Mi', cpuLimit: '1' })],
      }),
      ...deploymentWithPods('api', 'payments', { annotations: { 'tidemark.io/core': 'true' } }),
      deployment('etl', 'batch', { replicas: 1 }),
    ]),
    { cluster: 'prod', at: END },
  );
  const webPods = [...m.pods.values()].filter((p) => p.workload === 'Deployment/shop/web');
  return withUsage(
    m,
    W,
    webPods.map((p) =>
      series(
        W,
        { namespace: 'shop', pod: p.name, container: 'web' },
        { cpu: (t) => (t >= SPIKE && t < SPIKE + 3600 ? 1 : 0.1), mem: () => 256 * MiB },
      ),
    ),
  );
}

const settings = reportSettingsFrom({
  raw: { report: { teams: { label: 'team', namespaces: { batch: 'data' } } } },
});

describe('plan/inventory', () => {
  it("holds each workload's requests, replicas and usage over the window, totalled over its pods", () => {
    const inv = buildInventory(model(), configPrices(PRICES), [], settings);
    const web = inv.workloads.find((w) => w.workload === 'Deployment/shop/web')!;
    expect(web).toMatchObject({
      replicas: 2,
      requests: { cpuCores: 0.5, memoryBytes: 512 * MiB },
      containers: [{ name: 'web', cpuCores: 0.5, memoryBytes: 512 * MiB }],
      ooms: 0,
      restarts: 0,
    });
    // 15-minute totals: 0.2 cores almost always, 2 cores in the 4 slots of the spike (of 1344):
    // P95 stays 0.2, the peak is 2.
    expect(web.usage).toEqual({
      cpuCoresP95: 0.2,
      cpuCoresPeak: 2,
      memoryBytesP95: 512 * MiB,
      memoryBytesPeak: 512 * MiB,
      days: 14,
    });
    // At their 1-core limit on one day of the window.
    expect(web.throttledDays).toBe(1);
    expect(web.price).toBeUndefined();
    // No metrics: no usage, no series.
    const etl = inv.workloads.find((w) => w.workload === 'Deployment/batch/etl')!;
    expect(etl.usage).toBeUndefined();
    expect(etl.series).toBeUndefined();
  });

  it('keeps a usage series of at most 168 points, peaks kept, each point one byte', () => {
    const web = buildInventory(model(), configPrices(PRICES), [], settings).workloads.find(
      (w) => w.workload === 'Deployment/shop/web',
    )!;
    const s = web.series!;
    expect(s).toMatchObject({
      start: W.start,
      step: 7200,
      cpuCoresMax: 2,
      memoryBytesMax: 512 * MiB,
      podsMax: 2,
    });
    const cpu = decodeSeries(s.cpu, s.cpuCoresMax);
    expect(cpu).toHaveLength(SERIES_POINTS);
    expect(Buffer.from(s.cpu, 'base64')).toHaveLength(SERIES_POINTS);
    // The 2-hour point holding day 3's 10:00 spike: 3 × 12 + 5.
    const spike = (SPIKE - W.start) / 7200;
    expect(cpu[spike]).toBe(2);
    // Elsewhere 0.2 cores, kept to 1/254 of the maximum: 25/254 × 2.
    expect(cpu[0]).toBeCloseTo((25 / 254) * 2, 10);
    expect(decodeSeries(s.pods, s.podsMax).every((p) => p === 2)).toBe(true);
  });

  it('resolves teams by label, then the namespace label, then the namespace map; core by key or latency profile', () => {
    const latency = [
      { workload: 'Deployment/batch/etl', details: { profile: 'latency' } },
    ] as unknown as DecidedRecommendation[];
    const inv = buildInventory(model(), configPrices(PRICES), latency, settings);
    const by = (k: string) => inv.workloads.find((w) => w.workload === k)!;
    expect(by('Deployment/shop/web').team).toBe('storefront');
    expect(by('Deployment/payments/api').team).toBe('payments-team');
    expect(by('Deployment/batch/etl').team).toBe('data');
    expect(by('Deployment/shop/web').core).toBeUndefined();
    expect(by('Deployment/payments/api').core).toBe('annotation tidemark.io/core=true');
    expect(by('Deployment/batch/etl').core).toBe('right-sized under the latency profile');
    const noLatency = reportSettingsFrom({ raw: { report: { core: { latencyProfile: false } } } });
    expect(
      buildInventory(model(), configPrices(PRICES), latency, noLatency).workloads.find(
        (w) => w.workload === 'Deployment/batch/etl',
      )!.core,
    ).toBeUndefined();
  });

  it("prices nodes and workloads from OpenCost where it has a node's price, from config where not", () => {
    const m = model();
    const prices = openCostPrices(
      PRICES,
      { nodes: [{ node: 'node-1', cpuCoreHour: 0.04, memoryGiBHour: 0.005, spot: true }], queries: ['q'] },
      m,
    );
    const inv = buildInventory(m, prices, [], settings);
    expect(inv.prices).toMatchObject({ source: 'opencost', unpriced: ['node-2'], cpuCoreHour: 0.031 });
    // Every fixture pod runs on node-1.
    expect(inv.workloads.find((w) => w.workload === 'Deployment/shop/web')!.price).toEqual({
      cpuCoreHour: 0.04,
      memoryGiBHour: 0.005,
    });
    // node-1 (4 cores, 16 GiB): 4 × 0.04 + 16 × 0.005 = 0.24/h; node-2 at config prices:
    // 4 × 0.031 + 16 × 0.0042 = 0.1912/h; (0.24 + 0.1912) × 730 = 314.776 per month.
    expect(inv.nodes).toMatchObject({ count: 2, spot: 1, cpuCores: 8, memoryBytes: 32 * GiB });
    expect(inv.nodes.monthly).toBeCloseTo(314.776, 6);
  });
});
