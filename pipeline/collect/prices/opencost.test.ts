/**
 * OpenCost's node prices read from a real Prometheus (Debian's package), its history backfilled
 * with promtool the way OpenCost's exporter would have left it: per-node core-hour and GiB-hour
 * prices, a spot flag, a price that changed within the hour, a node of another cluster that the
 * selector leaves out, and a Prometheus without OpenCost.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backfill, startPrometheus, type PrometheusServer } from '../../testing/prometheus.js';
import { describeWithPrometheus } from '../../testing/prometheus-tier.js';
import { SourceError } from '../../core/errors.js';
import { allowSlowTests } from '../../testing/slow.js';
import { readOpenCostPrices } from './opencost.js';

allowSlowTests();

const AT = 1795132800;

describeWithPrometheus()('collect/prices/opencost against a real Prometheus', () => {
  let prom: PrometheusServer;
  let empty: PrometheusServer;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opencost-'));
    const sample = (metric: string, labels: string, value: number, t: number): string =>
      `${metric}{${labels}} ${value} ${t}`;
    // Two hours of minutely scrapes before AT; node-a's CPU price drops 20 minutes before AT.
    const cpu: string[] = [];
    const ram: string[] = [];
    const spot: string[] = [];
    for (let t = AT - 7200; t <= AT; t += 60) {
      const a = 'cluster="prod",node="node-a",instance_type="m5.xlarge"';
      const b = 'cluster="prod",node="node-b",instance_type="m5.xlarge"';
      const other = 'cluster="staging",node="node-z",instance_type="t3.large"';
      cpu.push(sample('node_cpu_hourly_cost', a, t < AT - 1200 ? 0.048 : 0.0144, t));
      cpu.push(sample('node_cpu_hourly_cost', b, 0.048, t));
      cpu.push(sample('node_cpu_hourly_cost', other, 0.02, t));
      ram.push(sample('node_ram_hourly_cost', a, t < AT - 1200 ? 0.0064 : 0.0019, t));
      ram.push(sample('node_ram_hourly_cost', b, 0.0064, t));
      ram.push(sample('node_ram_hourly_cost', other, 0.003, t));
      spot.push(sample('kubecost_node_is_spot', a, t < AT - 1200 ? 0 : 1, t));
      spot.push(sample('kubecost_node_is_spot', b, 0, t));
    }
    // OpenMetrics wants each metric family's samples together, under its TYPE line.
    const lines = [
      ...['# TYPE node_cpu_hourly_cost gauge', ...cpu],
      ...['# TYPE node_ram_hourly_cost gauge', ...ram],
      ...['# TYPE kubecost_node_is_spot gauge', ...spot],
      '# EOF',
      '',
    ];
    const om = join(dir, 'opencost.om');
    writeFileSync(om, lines.join('\n'));
    prom = await startPrometheus({ blocks: backfill(om, join(dir, 'blocks')) });
    empty = await startPrometheus();
  });

  afterAll(async () => {
    await prom?.stop();
    await empty?.stop();
  });

  it("reads each node's newest price and spot flag, only for the selected cluster", async () => {
    const read = await readOpenCostPrices({ url: prom.url, selector: 'cluster="prod"' }, AT);
    expect(read.nodes).toEqual([
      // the price it had at AT, not the hour's first one
      { node: 'node-a', cpuCoreHour: 0.0144, memoryGiBHour: 0.0019, spot: true },
      { node: 'node-b', cpuCoreHour: 0.048, memoryGiBHour: 0.0064, spot: false },
    ]);
    expect(read.queries).toEqual([
      'node_cpu_hourly_cost{cluster="prod"}',
      'node_ram_hourly_cost{cluster="prod"}',
      'kubecost_node_is_spot{cluster="prod"}',
    ]);
    const all = await readOpenCostPrices({ url: prom.url }, AT);
    expect(all.nodes.map((n) => n.node)).toEqual(['node-a', 'node-b', 'node-z']);
  });

  it('fails naming the metric when the Prometheus has no OpenCost series, rather than pricing from nothing', async () => {
    const err = await readOpenCostPrices({ url: empty.url }, AT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).code).toBe('source-incomplete');
    expect((err as Error).message).toMatch(
      /no node_cpu_hourly_cost series .* is OpenCost \(or Kubecost\) installed/,
    );
    // An hour after the last scrape the prices are gone too: nothing older is taken for now.
    await expect(readOpenCostPrices({ url: prom.url }, AT + 7200)).rejects.toThrow(/no node_cpu_hourly_cost/);
  });
});
