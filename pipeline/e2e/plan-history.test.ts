/**
 * The incremental history on a real Prometheus (the demo's history, backfilled): a warm run, whose
 * checkpoint came from a run 30 hours earlier against a Prometheus since restarted, recommends
 * what a cold full read recommends (overcommit's node-fold figures and forecasts exactly); two runs
 * at once leave one checkpoint, written by one of them; a newer Tidemark's checkpoint is refused by
 * name and left as it is, a format-1 one (no node slots) replaced after a cold run; a rollout (every ReplicaSet
 * pod renamed) keeps each workload's history, which a cold run then no longer has; with a
 * six-hour gap in the new interval the warm run still equals a cold read.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../cli/main.js';
import { prepareDemoWorkspace, removeDemoWorkspace, type DemoWorkspace } from '../cli/demo-workspace.js';
import { createOpenMetricsSource } from '../collect/openmetrics/index.js';
import { getValidator } from '../core/json-schema.js';
import { createMemoryLogger, silentLogger } from '../core/logger.js';
import type { PlanClusterJson, PlanDocument } from '../plan/plan-document.js';
import { CHECKPOINT_FILE } from '../model/usage/checkpoint/checkpoint-file.js';
import { backfill, startPrometheus, type PrometheusServer } from '../testing/prometheus.js';
import { describeWithPrometheus } from '../testing/prometheus-tier.js';
import { allowSlowTests } from '../testing/slow.js';

allowSlowTests();

async function plan(
  config: string,
  out: string,
): Promise<{ code: number; doc?: PlanDocument; logs: string[] }> {
  const logger = createMemoryLogger('info');
  const code = await main(['plan', '--config', config, '--out', out], { stdout: () => {}, logger });
  const file = join(out, 'plan.json');
  return {
    code,
    logs: logger.lines,
    doc: existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PlanDocument) : undefined,
  };
}

/** Overcommit's recommendation (per-pool figures, hotspots, proposals) and skips are the same. */
function expectSameOvercommit(w: PlanClusterJson, c: PlanClusterJson): void {
  const oc = (x: PlanClusterJson) => x.recommendations.filter((r) => r.analyzer === 'overcommit');
  const ocSkips = (x: PlanClusterJson) => x.skipped.filter((s) => s.analyzer === 'overcommit');
  expect(oc(c)).toHaveLength(1);
  const details = oc(c)[0]!.details as { pools: { cpu: Record<string, unknown> }[] };
  expect(details.pools.length).toBeGreaterThan(0);
  // Built from the node fold's slots, not the per-container fallback.
  expect(oc(c)[0]!.evidence.statistic).toMatch(/minute sums per tier/);
  expect(oc(w)).toEqual(oc(c));
  expect(ocSkips(w)).toEqual(ocSkips(c));
}

describeWithPrometheus()('e2e/plan with incremental history (real Prometheus)', () => {
  let ws: DemoWorkspace;
  let prom: PrometheusServer;
  let blocks: string;
  let latest: number;
  let n = 0;

  const config = (state: string, at: number, url = prom.url): string => {
    const base = readFileSync(ws.config, 'utf8');
    const text =
      base.replace(/metrics: \{ openmetrics: metrics\.om \}/, `metrics: { prometheus: { url: "${url}" } }`) +
      `analysis: { at: "${new Date(at * 1000).toISOString()}" }\nstate: { path: ${state} }\n`;
    const file = join(ws.dir, `history-${++n}.yaml`);
    writeFileSync(file, text);
    return file;
  };
  const out = (): string => join(ws.dir, `out-${++n}`);
  const cluster = (doc: PlanDocument | undefined): PlanClusterJson => doc!.clusters[0]!;

  beforeAll(async () => {
    ws = await prepareDemoWorkspace();
    latest = (await createOpenMetricsSource(join(ws.dir, 'metrics.om')).latestTimestamp!({
      logger: silentLogger,
    }))!;
    blocks = backfill(join(ws.dir, 'metrics.om'), join(ws.dir, 'blocks'));
    prom = await startPrometheus({ blocks });
  });

  afterAll(async () => {
    await prom?.stop();
    if (ws) removeDemoWorkspace(ws);
  });

  it('a warm run equals a cold full read: memory peaks exactly, CPU within a bucket', async () => {
    const at = Math.floor(latest / 300) * 300;
    const cold = await plan(config('state-cold', at), out());
    expect(cold.code).toBe(0);
    const c = cluster(cold.doc);
    expect(getValidator('https://tidemark.io/schemas/plan.json')(cold.doc)).toBe(true);
    expect(c.history).toMatchObject({ mode: 'cold', reason: 'no-checkpoint', checkpoint: { written: true } });
    // The window starts at the midnight after `at - 14 d`: whole days, the oldest dropping out whole.
    expect(Date.parse(c.window.start) % 86_400_000).toBe(0);
    expect(cold.logs.some((l) => l.includes('usage history cold') && l.includes('no checkpoint'))).toBe(true);

    // The day before, then Prometheus restarts, then the daily run.
    const earlier = await plan(config('state-warm', at - 30 * 3600), out());
    expect(earlier.code).toBe(0);
    await prom.stop();
    prom = await startPrometheus({ blocks });
    const warm = await plan(config('state-warm', at), out());
    expect(warm.code).toBe(0);
    const w = cluster(warm.doc);
    expect(getValidator('https://tidemark.io/schemas/plan.json')(warm.doc)).toBe(true);
    expect(w.history).toMatchObject({
      mode: 'warm',
      checkpointEnd: new Date((at - 30 * 3600) * 1000).toISOString(),
      // Only the new interval, from the 15-minute slot the checkpoint ends in (the node fold reads
      // that slot again whole).
      read: {
        start: new Date(Math.floor((at - 30 * 3600) / 900) * 900 * 1000).toISOString(),
        end: new Date(at * 1000).toISOString(),
      },
      checkpoint: { written: true },
    });
    expect(w.window).toEqual(c.window);
    // A warm run reads far less than the cold one.
    expect(w.sources.metrics.bytes).toBeLessThan(c.sources.metrics.bytes / 4);

    const id = (r: { workload: string; subject: string }): string => `${r.workload} ${r.subject}`;
    expect(w.recommendations.map(id).sort()).toEqual(c.recommendations.map(id).sort());
    let memory = 0;
    for (const rc of c.recommendations) {
      const rw = w.recommendations.find((r) => id(r) === id(rc))!;
      expect(rw.decision).toBe(rc.decision);
      if (rc.analyzer !== 'rightsize') continue;
      const ec = rc.evidence.usage as { cpu: Record<string, number>; memory: Record<string, number> };
      const ew = rw.evidence.usage as typeof ec;
      // Memory peaks are maxima: exactly the same number.
      expect(ew.memory.max).toBe(ec.memory.max);
      expect(ew.cpu.max).toBe(ec.cpu.max);
      // Quantiles within the histogram's resolution (5 % buckets).
      for (const q of ['p50', 'p90', 'p95', 'p99'])
        for (const r of ['cpu', 'memory'] as const)
          expect(Math.abs(ew[r][q]! - ec[r][q]!)).toBeLessThanOrEqual(0.05 * ec[r][q]! + 1e-9);
      expect(rw.fields).toEqual(rc.fields);
      memory++;
    }
    expect(memory).toBeGreaterThan(5);

    // Overcommit reads the node fold (per node, slot and tier): the warm run's carried the
    // checkpoint's node days, so its pools' figures, forecasts and proposals are a cold read's.
    expectSameOvercommit(w, c);
    expect(w.history!.checkpoint.nodes).toBeGreaterThan(0);
    expect(w.history!.checkpoint.nodes).toBe(c.history!.checkpoint.nodes);
  });

  it('two runs at once: one writes the checkpoint, the other is refused, nothing is corrupted', async () => {
    const at = Math.floor(latest / 300) * 300;
    const first = await plan(config('state-race', at - 86400), out());
    expect(first.code).toBe(0);
    const cfg = config('state-race', at);
    const [a, b] = await Promise.all([plan(cfg, out()), plan(cfg, out())]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const written = [a, b].map((r) => cluster(r.doc).history!.checkpoint.written).sort();
    expect(written).toEqual([false, true]);
    const loser = [a, b].find((r) => !cluster(r.doc).history!.checkpoint.written)!;
    expect(cluster(loser.doc).history!.checkpoint.refused).toMatch(
      /changed since this run read it|another run is writing/,
    );
    expect(loser.logs.some((l) => l.includes('checkpoint not written'))).toBe(true);
    const again = await plan(cfg, out());
    expect(cluster(again.doc).history).toMatchObject({ mode: 'warm' });
  });

  it("a newer Tidemark's checkpoint is refused with a clear message and left as it is", async () => {
    const at = Math.floor(latest / 300) * 300;
    expect((await plan(config('state-future', at - 86400), out())).code).toBe(0);
    const file = join(ws.dir, 'state-future', 'demo', CHECKPOINT_FILE);
    const bytes = readFileSync(file);
    bytes.writeUInt16LE(9, 4);
    writeFileSync(file, bytes);
    const r = await plan(config('state-future', at), out());
    expect(r.code).toBe(0);
    expect(cluster(r.doc).history).toMatchObject({
      mode: 'cold',
      reason: 'future-version',
      message: `${file} is format 9, written by a newer Tidemark (this one reads format 2): left as it is: reading the whole window`,
      checkpoint: { written: false },
    });
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });
  it('a format-1 checkpoint (no node slots) makes the run cold by name, and is replaced', async () => {
    const at = Math.floor(latest / 300) * 300;
    expect((await plan(config('state-v1', at - 86400), out())).code).toBe(0);
    const file = join(ws.dir, 'state-v1', 'demo', CHECKPOINT_FILE);
    const bytes = readFileSync(file);
    bytes.writeUInt16LE(1, 4);
    writeFileSync(file, bytes);
    const r = await plan(config('state-v1', at), out());
    expect(r.code).toBe(0);
    expect(getValidator('https://tidemark.io/schemas/plan.json')(r.doc)).toBe(true);
    expect(cluster(r.doc).history).toMatchObject({
      mode: 'cold',
      reason: 'node-slots-missing',
      message: `${file} is format 1, which holds no node slots (overcommit, hotspot forecast): reading the whole window`,
      checkpoint: { written: true },
    });
    expect(readFileSync(file).readUInt16LE(4)).toBe(2);
  });
  it("a rollout (new pod names) keeps each workload's history; a cold run after it has none", async () => {
    const at = Math.floor(latest / 300) * 300;
    const pods = join(ws.dir, 'cluster', 'pods.yaml');
    const original = readFileSync(pods, 'utf8');
    const rolled = new Set<string>();
    // Every ReplicaSet pod gets a new name; Prometheus holds no series under the new names.
    const renamed = original.replace(
      /^(\s+name: )(([a-z0-9-]+)-[a-z0-9]{6,10})-([a-z0-9]{5})$/gm,
      (_m, pre: string, rs: string, base: string, suffix: string) => {
        rolled.add(base);
        return `${pre}${rs}-${suffix.startsWith('zz') ? 'yy' : 'zz'}${suffix.slice(2)}`;
      },
    );
    expect(renamed).not.toBe(original);
    const rightsized = (doc: PlanDocument | undefined): string[] =>
      cluster(doc)
        .recommendations.filter((r) => r.analyzer === 'rightsize' && rolled.has(r.workload.split('/')[2]!))
        .map((r) => `${r.workload} ${r.subject}`)
        .sort();
    const before = await plan(config('state-rollout', at - 30 * 3600), out());
    expect(before.code).toBe(0);
    expect(rightsized(before.doc).length).toBeGreaterThan(2);
    try {
      writeFileSync(pods, renamed);
      const warm = await plan(config('state-rollout', at), out());
      expect(warm.code).toBe(0);
      expect(cluster(warm.doc).history!.mode).toBe('warm');
      expect(rightsized(warm.doc)).toEqual(rightsized(before.doc));
      const cold = await plan(config('state-rollout-cold', at), out());
      expect(cold.code === 0 ? rightsized(cold.doc) : []).toEqual([]);
    } finally {
      writeFileSync(pods, original);
    }
  });
  it('a six-hour gap in the new interval: the warm run still equals a cold read of the same Prometheus', async () => {
    const at = Math.floor(latest / 300) * 300;
    const [gapFrom, gapTo] = [at - 20 * 3600, at - 14 * 3600];
    const lines = readFileSync(join(ws.dir, 'metrics.om'), 'utf8').split('\n');
    const kept = lines.filter((l) => {
      const t = /\s(\d+(?:\.\d+)?)$/.exec(l);
      return l.startsWith('#') || !t || Number(t[1]) < gapFrom || Number(t[1]) >= gapTo;
    });
    expect(kept.length).toBeLessThan(lines.length);
    writeFileSync(join(ws.dir, 'gapped.om'), kept.join('\n'));
    const gapped = await startPrometheus({
      blocks: backfill(join(ws.dir, 'gapped.om'), join(ws.dir, 'gapped-blocks')),
    });
    try {
      const earlier = await plan(config('state-gap', at - 30 * 3600, gapped.url), out());
      expect(earlier.code).toBe(0);
      const warm = await plan(config('state-gap', at, gapped.url), out());
      const cold = await plan(config('state-gap-cold', at, gapped.url), out());
      expect([warm.code, cold.code]).toEqual([0, 0]);
      expect(cluster(warm.doc).history!.mode).toBe('warm');
      const id = (r: { workload: string; subject: string }): string => `${r.workload} ${r.subject}`;
      const w = cluster(warm.doc).recommendations.filter((r) => r.analyzer === 'rightsize');
      const c = cluster(cold.doc).recommendations.filter((r) => r.analyzer === 'rightsize');
      expect(w.map(id).sort()).toEqual(c.map(id).sort());
      expect(c.length).toBeGreaterThan(5);
      for (const rc of c) {
        const rw = w.find((r) => id(r) === id(rc))!;
        expect(rw.fields).toEqual(rc.fields);
        expect(rw.evidence.samples).toBe(rc.evidence.samples);
        expect((rw.evidence.usage as { memory: { max: number } }).memory.max).toBe(
          (rc.evidence.usage as { memory: { max: number } }).memory.max,
        );
      }
      expectSameOvercommit(cluster(warm.doc), cluster(cold.doc));
    } finally {
      await gapped.stop();
    }
  });
});
