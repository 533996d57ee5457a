/**
 * Absurd input gets a clear answer, not a confident proposal (issue 19): through the CLI, on a
 * small workspace bent one way per case, asserting the exit code, the message and what was
 * (not) written.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../cli/main.js';
import { createMemoryLogger } from '../core/logger.js';
import { backfill, startPrometheus, type PrometheusServer } from '../testing/prometheus.js';
import { describeWithPrometheus } from '../testing/prometheus-tier.js';
import { SLOW_TEST_MS } from '../testing/slow.js';
import type { PlanDocument } from '../plan/plan-document.js';
import {
  MiB,
  smallWorkspace,
  WEB_PODS,
  WS_END,
  type SmallWorkspace,
  type SmallWorkspaceOptions,
} from '../testing/small-workspace.js';

interface CliRun {
  dir: string;
  code: number;
  out: string;
  err: string;
  errJson?: Record<string, unknown>;
  logs: string[];
  outDir: string;
  doc?: PlanDocument;
}

const spaces: SmallWorkspace[] = [];
afterAll(() => spaces.forEach((w) => w.remove()));

async function workspace(o: SmallWorkspaceOptions): Promise<SmallWorkspace> {
  const ws = await smallWorkspace(o);
  spaces.push(ws);
  return ws;
}

/** The final error line of a JSON-logging run, parsed (the logger here writes JSON lines). */
function finalRecord(stderr: string): Record<string, unknown> | undefined {
  const last = stderr.trim().split('\n').pop();
  return last?.startsWith('{') ? (JSON.parse(last) as Record<string, unknown>) : undefined;
}

/** The same final line as a terminal shows it: `tidemark: error: <msg>` (see cli/exit.ts). */
function asHumanLine(stderr: string): string {
  const rec = finalRecord(stderr);
  return rec?.level === 'error' ? `tidemark: error: ${String(rec.msg)}\n` : stderr;
}

/** The CLI in-process: exit code, stdout, stderr (the final error line) and the log lines. */
async function cli(args: string[]): Promise<Pick<CliRun, 'code' | 'out' | 'err' | 'errJson' | 'logs'>> {
  let out = '';
  let err = '';
  const logger = createMemoryLogger('info');
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((t: string) => ((err += t), true)) as typeof process.stderr.write;
  try {
    const code = await main(args, { stdout: (t) => (out += t), logger });
    return { code, out, err: asHumanLine(err), errJson: finalRecord(err), logs: logger.lines };
  } finally {
    process.stderr.write = write;
  }
}

async function plan(o: SmallWorkspaceOptions): Promise<CliRun> {
  const ws = await workspace(o);
  const outDir = join(ws.dir, 'out');
  const r = await cli(['plan', '--config', ws.config, '--out', outDir]);
  const file = join(outDir, 'plan.json');
  const doc = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PlanDocument) : undefined;
  return { dir: ws.dir, ...r, outDir, doc };
}

/** `validate`, and whether it left the workspace as it was. */
async function validate(
  ws: SmallWorkspace,
): Promise<Pick<CliRun, 'code' | 'out' | 'err' | 'errJson' | 'logs'>> {
  const before = readdirSync(ws.dir).sort();
  const r = await cli(['validate', '--config', ws.config]);
  expect(readdirSync(ws.dir).sort()).toEqual(before);
  return r;
}

describe('e2e/absurd input', () => {
  describe('current values', () => {
    it.each([
      ['-1', 'a cpu quantity cannot be negative: "-1"'],
      ['lots', 'not a Kubernetes quantity: "lots"'],
    ])('a cpu request of %j is an input error naming the file and the field', async (cpu, message) => {
      const r = await plan({ request: { cpu } });
      expect(r.code).toBe(2);
      expect(r.err).toContain(
        `tidemark: error: deployments.yaml: Deployment shop/web: spec.template.spec.containers[0].resources.requests.cpu: ${message}`,
      );
      expect(r.errJson).toMatchObject({
        error: 'input-invalid',
        file: 'deployments.yaml',
        object: 'Deployment shop/web',
        field: 'spec.template.spec.containers[0].resources.requests.cpu',
        exitCode: 2,
      });
      expect(existsSync(r.outDir)).toBe(false);
    });

    it('a live request larger than every node is reported as such, never stepped down from', async () => {
      // cpu: 100000 in Git and live once gave "100000 → 80000" and "saves $905216/month".
      const r = await plan({ request: { cpu: 100000 } });
      expect(r.code).toBe(0);
      const rec = r.doc!.clusters[0]!.recommendations.find((x) => x.analyzer === 'rightsize')!;
      expect(rec.decision).toBe('rejected');
      expect(rec.outcomes.map((o) => o.rule)).toEqual(['node-fit']);
      // node-2: 8 cores allocatable less the agent DaemonSet's 100m.
      expect(rec.outcomes[0]!.reason).toBe(
        'the live cpu request (100000 in container web) is larger than any node can hold: the most room for cpu is 7900m CPU on node-2 (after 100m CPU for its DaemonSets); check the value in Git and in the cluster',
      );
      expect(r.out).toMatch(/deploy\/web +web cpu request +100000 → \S+ +rejected +the live cpu request/);
      expect(r.out).not.toMatch(/saves|\$\d/);
      expect(readFileSync(join(r.outDir, 'changes.diff'), 'utf8')).toBe('');
    });
  });

  describe('samples', () => {
    const SANE = 300 * MiB;
    // Every two hours, on the hour: 8 days × 12 in the window (the one at its end is outside).
    const everyTwoHours = (t: number): boolean => t % 7200 === 0;

    it('a memory sample of 1e18 bytes is dropped, counted, and named once; the proposal is the sane one', async () => {
      const r = await plan({
        usage: (pod, t) => ({ cpu: 0.2, mem: pod === WEB_PODS[0] && everyTwoHours(t) ? 1e18 : SANE }),
      });
      expect(r.code).toBe(0);
      const rec = r.doc!.clusters[0]!.recommendations.find((x) => x.analyzer === 'rightsize')!;
      // The sizing sees the sane 300Mi peak only: 300Mi + 50 % headroom is 450Mi, and 512Mi is
      // within 30 % of that, so memory stays (the 1e18 samples once asked for 64Gi).
      const ev = rec.evidence as { memory?: { peak?: { bytes: number }; target?: number } };
      expect(ev.memory?.peak?.bytes).toBe(SANE);
      expect(ev.memory?.target).toBeLessThanOrEqual(512 * MiB);
      expect(rec.fields.find((f) => f.path.endsWith('requests.memory'))).toBeUndefined();
      const start = WS_END - 8 * 86400;
      // Line 1 the CPU family's TYPE, 2 × 11,521 CPU samples, the memory family's TYPE, then web-…-aaaaa at `start`.
      const line = 1 + 2 * (8 * 1440 + 1) + 1 + 1;
      expect(r.doc!.clusters[0]!.sources.metrics.invalidSamples).toEqual({
        total: 96,
        negative: 0,
        nonFinite: 0,
        aboveNode: 96,
        example: `${join(r.dir, 'metrics.om')}: line ${line}: container_memory_working_set_bytes{namespace="shop",pod="${WEB_PODS[0]}",container="web"} 1000000000000000000 ${start}: above its node's capacity (16.00Gi on node-1)`,
      });
      const warnings = r.logs.filter(
        (l) => l.includes('"level":"warn"') && l.includes('invalid usage samples'),
      );
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0]!)).toMatchObject({ invalidSamples: 96, aboveNode: 96 });
    });

    it('negative samples are dropped and counted, never silently taken', async () => {
      const r = await plan({ usage: (_pod, t) => ({ cpu: 0.2, mem: everyTwoHours(t) ? -5 : SANE }) });
      expect(r.code).toBe(0);
      expect(r.doc!.clusters[0]!.sources.metrics.invalidSamples).toMatchObject({ total: 192, negative: 192 });
    });
  });

  describe('metrics that say nothing', () => {
    it.each([
      ['an empty file', ''],
      ['a file holding only # EOF', '# EOF\n'],
    ])('%s is exit 3, "no samples in the window", and nothing is written', async (_name, text) => {
      const r = await plan({ metricsText: text });
      expect(r.code).toBe(3);
      expect(r.err).toMatch(
        new RegExp(
          `^tidemark: error: ${join(r.dir, 'metrics.om')}: cluster test: metrics\\.openmetrics: no samples in the window \\S+Z – \\S+Z for any of the 4 container\\(s\\) the cluster runs\n$`,
        ),
      );
      expect(existsSync(r.outDir)).toBe(false);
    });

    it('counts the series that match no workload, and names one', async () => {
      const r = await plan({
        strangers: [
          ...[1, 2, 3].map((i) => ({ namespace: 'gone', pod: `batch-${i}`, container: 'worker' })),
          // A pod of web replaced during the window: it belongs to web by its name, so it matches.
          { namespace: 'shop', pod: 'web-5c4b3a2d1-zzzzz', container: 'web' },
        ],
      });
      expect(r.code).toBe(0);
      // Three containers without a workload, each with a CPU and a memory series.
      expect(r.doc!.clusters[0]!.sources.metrics.unmatchedSeries).toBe(6);
      const read = JSON.parse(r.logs.find((l) => l.includes('"msg":"metrics read"'))!) as Record<
        string,
        unknown
      >;
      expect(read).toMatchObject({ unmatchedSeries: 6, unmatchedExample: 'gone/batch-1/worker' });
    });

    it('with every series a stranger, the plan has no samples: exit 3 naming how many matched nothing', async () => {
      const r = await plan({
        metricsText: [
          '# TYPE container_memory_working_set_bytes gauge',
          // The window ends at the last sample (exclusive): the first one is inside it.
          `container_memory_working_set_bytes{namespace="gone",pod="batch-1",container="worker"} 5 ${WS_END - 900}`,
          `container_memory_working_set_bytes{namespace="gone",pod="batch-1",container="worker"} 5 ${WS_END - 600}`,
          '# EOF',
          '',
        ].join('\n'),
      });
      expect(r.code).toBe(3);
      expect(r.err).toContain(
        'no samples in the window 2026-12-31T23:50:00Z – 2027-01-14T23:50:00Z for any of the 4 container(s) the cluster runs (1 usage series belong(s) to no workload)',
      );
      expect(existsSync(r.outDir)).toBe(false);
    });
  });

  describe('a snapshot that cannot attribute usage', () => {
    it('without Pods is exit 2 naming the snapshot folder and the missing kinds; nothing is written', async () => {
      const r = await plan({ omitKinds: ['Pod', 'ReplicaSet'] });
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `tidemark: error: ${join(r.dir, 'cluster')}: missing kinds: Pod, ReplicaSet: the snapshot holds Deployment, DaemonSet objects but no Pod or ReplicaSet objects: usage cannot be attributed to workloads without their pods; add them (kubectl get pods,replicasets -A -o yaml) or take the snapshot with \`tidemark snapshot\`\n`,
      );
      expect(existsSync(r.outDir)).toBe(false);
    });

    it('without ReplicaSets matches pods by name and says so', async () => {
      const r = await plan({ omitKinds: ['ReplicaSet'] });
      expect(r.code).toBe(0);
      expect(r.doc!.clusters[0]!.recommendations.some((x) => x.workload === 'Deployment/shop/web')).toBe(
        true,
      );
      expect(r.logs.filter((l) => l.includes('"level":"warn"') && l.includes('no ReplicaSets'))).toHaveLength(
        1,
      );
    });
  });

  describe('validate reads the metrics source', () => {
    const strangers = [1, 2, 3].map((i) => ({ namespace: 'gone', pod: `batch-${i}`, container: 'worker' }));

    it('reports workloads with and without usage, and the series that match none', async () => {
      const ws = await workspace({ strangers });
      const r = await validate(ws);
      expect(r.code).toBe(0);
      expect(r.out).toContain(
        `cluster test: metrics openmetrics ${ws.metrics}, window 2027-01-01T00:00:00Z – 2027-01-15T00:00:00Z: ` +
          '1 workload(s) with usage, 1 without; 6 series match no workload (e.g. gone/batch-1/worker)\n' +
          '  without usage: DaemonSet/kube-system/agent\n',
      );
    });

    it('fails on a garbage metrics line as plan would: exit 2 naming the file and the line', async () => {
      const ws = await workspace({});
      const text = readFileSync(ws.metrics, 'utf8').split('\n');
      text.splice(5, 0, 'container_memory_working_set_bytes{namespace="shop" 12');
      writeFileSync(ws.metrics, text.join('\n'));
      const r = await validate(ws);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `tidemark: error: ${ws.metrics}: line 6: malformed OpenMetrics sample: container_memory_working_set_bytes{namespace="shop" 12\n`,
      );
      const planned = await cli(['plan', '--config', ws.config, '--out', join(ws.dir, 'out')]);
      expect([planned.code, planned.err]).toEqual([r.code, r.err]);
    });

    it('fails on a metrics file with no samples as plan would: exit 3', async () => {
      const r = await validate(await workspace({ metricsText: '# EOF\n' }));
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/metrics\.openmetrics: no samples in the window/);
    });

    it('reports the invalid samples it dropped, with an example', async () => {
      const ws = await workspace({ usage: (_p, t) => ({ cpu: 0.2, mem: t % 7200 === 0 ? -1 : 300 * MiB }) });
      const r = await validate(ws);
      expect(r.code).toBe(0);
      // Both web pods, every two hours for 8 days (the sample at the window's end is outside it).
      expect(r.out).toMatch(
        /\n {2}192 invalid sample\(s\) dropped \(negative 192, not finite 0, above the node 0\), e\.g\. \S+metrics\.om: line \d+: container_memory_working_set_bytes\{.*\} -1 \d+: negative\n/,
      );
    });
  });

  describeWithPrometheus()('validate against a real Prometheus', () => {
    let prom: PrometheusServer;
    let ws: SmallWorkspace;
    const prometheusConfig = (extra = ''): void =>
      writeFileSync(
        ws.config,
        readFileSync(ws.config, 'utf8').replace(
          /metrics: \{ openmetrics: metrics\.om \}|metrics: \{ prometheus: \{[^\n]*\} \}/,
          `metrics: { prometheus: { url: "${prom.url}"${extra} } }`,
        ),
      );

    beforeAll(async () => {
      ws = await workspace({
        strangers: [1, 2, 3].map((i) => ({ namespace: 'gone', pod: `batch-${i}`, container: 'worker' })),
      });
      prom = await startPrometheus({ blocks: backfill(ws.metrics, join(ws.dir, 'blocks')) });
      // Prometheus' window ends at the wall clock unless the config says where.
      writeFileSync(
        ws.config,
        readFileSync(ws.config, 'utf8') + 'analysis: { at: "2027-01-15T00:00:00Z" }\n',
      );
    }, SLOW_TEST_MS);
    afterAll(async () => prom?.stop());

    it('runs the preflight and reports what the file source reports', async () => {
      prometheusConfig();
      const r = await validate(ws);
      expect(r.code).toBe(0);
      expect(r.out).toContain(
        `cluster test: metrics prometheus ${prom.url}, window 2027-01-01T00:00:00Z – 2027-01-15T00:00:00Z: ` +
          '1 workload(s) with usage, 1 without; 6 series match no workload (e.g. gone/batch-1/worker)\n' +
          '  without usage: DaemonSet/kube-system/agent\n',
      );
    });

    it('fails the preflight on a selector that matches nothing: exit 3 naming the field', async () => {
      prometheusConfig(', selector: \'cluster="nowhere"\'');
      const r = await validate(ws);
      expect(r.code).toBe(3);
      expect(r.err).toMatch(
        /^tidemark: error: prometheus: metrics\.prometheus\.selector: Prometheus at \S+ has no container_cpu_usage_seconds_total series matching \{cluster="nowhere"\}/,
      );
    });
  });
});
