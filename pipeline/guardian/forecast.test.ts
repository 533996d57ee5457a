/**
 * The guardian's forecast taint: off by default; on, a node not yet hot whose forecast window is
 * open is tainted ahead (after the hot ones, under the same brakes) and kept until the window
 * ends. The forecast itself from a real Prometheus backfilled with 14 days of cAdvisor's counter.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageWindow } from './signals.js';
import { decide, type NodeView } from './decide.js';
import { GUARDIAN_DEFAULTS as G, type GuardianSettings } from './settings.js';
import { prometheusForecast } from './forecast.js';
import { trimNode } from './kube/objects.js';
import { createPrometheusClient } from '../collect/prometheus/client.js';
import { backfill, startPrometheus, type PrometheusServer } from '../testing/prometheus.js';
import { describeWithPrometheus } from '../testing/prometheus-tier.js';
import { SLOW_TEST_MS } from '../testing/slow.js';

const T = 1_800_000_000 - (1_800_000_000 % 86400);
const ON: GuardianSettings = { ...G, actions: { ...G.actions, forecastTaint: true } };

function view(name: string, cpu: number, extra: Partial<NodeView> = {}): NodeView {
  const w = new UsageWindow();
  for (let i = 0; i < 12; i++) w.add({ t: T - (11 - i) * G.intervalSeconds, cpu, memory: 0.3 });
  return {
    name,
    pool: 'p',
    unschedulable: false,
    signal: w.signal(T, G),
    allocatableCpu: 4000,
    requestedCpu: 1000,
    ...extra,
  };
}

/** Ten nodes of one pool, so the pool-share brake (20 %) allows two taints. */
const quiet = Array.from({ length: 8 }, (_, i) => view(`q${i}`, 0.3));
const WHY = 'forecast hot: 08:30 (hot from 09:00) to 11:00, every day (UTC), hot on 100 % of 7 days';

describe('guardian forecast taint (decide)', () => {
  it('is off by default: a forecast alone taints nothing', () => {
    const { intents } = decide([...quiet, view('a', 0.3, { forecast: WHY }), view('b', 0.3)], G, T);
    expect(intents).toEqual([]);
  });

  it('on, taints a node ahead of its window, with the window as the reason; a hot node goes first', () => {
    const { intents } = decide([...quiet, view('a', 0.3, { forecast: WHY }), view('h', 0.95)], ON, T);
    expect(intents.map((i) => [i.kind, i.node, i.why])).toEqual([
      ['taint', 'h', 'CPU p20 over 120 s is 95 % (threshold 80 %)'],
      ['taint', 'a', WHY],
    ]);
  });

  it('keeps the brakes: with the pool share used by hot nodes, the forecast waits', () => {
    const { intents, refused } = decide(
      [...quiet, view('a', 0.3, { forecast: WHY }), view('h1', 0.95), view('h2', 0.9)].slice(1),
      ON,
      T,
    );
    expect(intents.map((i) => i.node)).toEqual(['h1', 'h2']);
    expect(refused).toEqual([expect.objectContaining({ node: 'a', reason: 'pool-share' })]);
  });

  it('keeps the taint while the window is open, even cool; lifts it once the window ends', () => {
    const tainted = { taintedBy: 'j-1', coolSince: T - 3600 };
    expect(decide([...quiet, view('a', 0.3, { ...tainted, forecast: WHY })], ON, T).intents).toEqual([]);
    expect(decide([...quiet, view('a', 0.3, tainted)], ON, T).intents).toEqual([
      expect.objectContaining({ kind: 'untaint', node: 'a', entry: 'j-1' }),
    ]);
  });
});

describeWithPrometheus()('guardian forecast from a real Prometheus (14 days of cAdvisor backfilled)', () => {
  let dir: string;
  let prom: PrometheusServer;
  const DAYS = 14;
  const START = T - DAYS * 86400;
  const SCRAPE = 300;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-guardian-forecast-'));
    // node-a (4 cores) burns 3.6 cores (90 %) at 09:00–11:00 UTC, 1 core otherwise; node-b 1 core.
    const lines = ['# TYPE container_cpu_usage_seconds_total counter'];
    const counter: Record<string, number> = { 'node-a': 0, 'node-b': 0 };
    const rows: string[] = [];
    for (let t = START; t <= T; t += SCRAPE) {
      const hour = Math.floor((t % 86400) / 3600);
      counter['node-a']! += (hour === 9 || hour === 10 ? 3.6 : 1) * SCRAPE;
      counter['node-b']! += SCRAPE;
      for (const n of ['node-a', 'node-b'])
        rows.push(
          `container_cpu_usage_seconds_total{namespace="shop",pod="web-${n}",container="web",node="${n}"} ${counter[n]} ${t}`,
        );
    }
    // OpenMetrics wants a metric family's samples together, in time order per series.
    rows.sort((a, b) => (a.includes('node-a') === b.includes('node-a') ? 0 : a.includes('node-a') ? -1 : 1));
    writeFileSync(join(dir, 'cpu.om'), [...lines, ...rows, '# EOF', ''].join('\n'));
    prom = await startPrometheus({ blocks: backfill(join(dir, 'cpu.om'), join(dir, 'blocks')) });
  }, SLOW_TEST_MS);

  afterAll(async () => {
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('forecasts node-a hot 09:00–11:00 with a 30-minute lead, and node-b never', async () => {
    const nodes = ['node-a', 'node-b'].map((name) =>
      trimNode({
        metadata: { name },
        status: {
          allocatable: { cpu: '4', memory: '16Gi' },
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      }),
    );
    const client = createPrometheusClient({ url: prom.url });
    try {
      const f = prometheusForecast(client, ON);
      await f.refresh(nodes, T);
      const at = (h: number, m = 0) => T + h * 3600 + m * 60;
      // rate()[1h] at 10:00 is the hour 09:00–10:00, filed under 09:00.
      expect(f.open('node-a', at(8, 15))).toBeUndefined();
      expect(f.open('node-a', at(8, 40))).toBe(
        'forecast hot: 08:30 (hot from 09:00) to 11:00, every day (UTC), hot on 100 % of 5 days',
      );
      expect(f.open('node-a', at(10, 59))).toBeDefined();
      expect(f.open('node-a', at(11, 0))).toBeUndefined();
      expect(f.open('node-b', at(10))).toBeUndefined();
    } finally {
      await client.close();
    }
  });
});
