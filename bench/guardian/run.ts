/**
 * `npm run bench:guardian [-- --nodes 2000 --pods 50000 --rounds 10 --per-round 10 --scenario both]`:
 * the guardian on a real control plane (etcd, kube-apiserver, and kwok keeping 2,000 nodes
 * heartbeating and 50,000 realistic pods Running), reading usage from a real Prometheus that
 * scrapes a live exporter. Two scenarios, in rounds: hot nodes (the taint), and memory pressure
 * (containers over 90 % of their memory limit: the in-place raise through pods/resize, with every
 * container's working set and limit in Prometheus). For each action it prints the time from the
 * moment the sample that completed the window was queryable in Prometheus (a poller asks every
 * 25 ms) to the PATCH that acted (the API server's audit log), Prometheus' scrape lag separately,
 * the guardian's RSS (a built `node dist/…` process, as in the image), and its API requests by
 * kind and verb: watches, and LISTs (pages) only at start.
 * Writes bench/results/guardian-<nodes>-<pods>.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { controlPlaneBinDir, startControlPlane } from '../../pipeline/testing/control-plane/index.js';
import { kubeRequest } from '../../pipeline/testing/control-plane/seed.js';
import { prepareGuardianCluster, readJournal } from '../../pipeline/testing/guardian-cluster.js';
import { startPrometheus } from '../../pipeline/testing/prometheus.js';
import { freePort } from '../../pipeline/testing/ports.js';
import { percentile } from '../../pipeline/core/stats.js';
import { nodeUsageRuleGroups } from '../../pipeline/guardian/node-usage-rules.js';
import { stringify } from 'yaml';
import { apiWriter, seedCluster } from '../common/seed.js';
import { SERVICE_ACCOUNT_DIR } from '../../pipeline/collect/kubernetes/connect.js';
import { writeKubeletStatus } from '../../pipeline/testing/kubelet-status.js';
import { hotContainers, startContainerExporter, type HotContainer } from './memory-pressure.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const USER = 'guardian-bench';
const CPU_CORES = 32;
const MEMORY = 128 * 2 ** 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => Promise<boolean>, ms: number, every = 1000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok()) return;
    await sleep(every);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The image's NODE_OPTIONS (deploy/guardian/Dockerfile), so the process measured is the one shipped. */
function imageNodeOptions(): string {
  const dockerfile = readFileSync(join(root, 'deploy', 'guardian', 'Dockerfile'), 'utf8');
  const m = /^ENV NODE_OPTIONS=(.+)$/m.exec(dockerfile);
  if (!m) throw new Error('deploy/guardian/Dockerfile sets no NODE_OPTIONS');
  return m[1]!.trim();
}

/** The node flags of the image's ENTRYPOINT (between `node` and the script). */
function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(join(root, 'deploy', 'guardian', 'Dockerfile'), 'utf8');
  const m = /^ENTRYPOINT (\[.+\])$/m.exec(dockerfile);
  if (!m) throw new Error('deploy/guardian/Dockerfile has no ENTRYPOINT in exec form');
  const argv = JSON.parse(m[1]!) as string[];
  return argv.slice(1, -1);
}

function rssOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMiB: Math.round(kb('VmRSS') / 1024), peakMiB: Math.round(kb('VmHWM') / 1024) };
}

/** cAdvisor-shaped series per node; a node's CPU level is integrated into its counter. */
function startExporter(nodes: number) {
  const level = new Float64Array(nodes).fill(0.3);
  const counter = new Float64Array(nodes);
  let last = Date.now();
  const advance = () => {
    const now = Date.now();
    const dt = (now - last) / 1000;
    last = now;
    for (let i = 0; i < nodes; i++) counter[i]! += level[i]! * CPU_CORES * dt;
  };
  const server = createServer((_, res) => {
    advance();
    const lines: string[] = [];
    for (let i = 0; i < nodes; i++) {
      const l = `node="node-${i}",namespace="bench",pod="load-${i}",container="app"`;
      lines.push(`container_cpu_usage_seconds_total{${l}} ${counter[i]!.toFixed(3)}`);
      lines.push(`container_memory_working_set_bytes{${l}} ${Math.round(MEMORY * 0.3)}`);
    }
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(lines.join('\n') + '\n');
  });
  return {
    server,
    setLevel(i: number, v: number) {
      advance();
      level[i] = v;
    },
  };
}

async function main(): Promise<void> {
  const o = new Command('bench:guardian')
    .option('--nodes <n>', 'nodes', '2000')
    .option('--pods <n>', 'pods', '50000')
    .option('--pools <n>', 'node pools', '20')
    .option('--rounds <n>', 'hotspot rounds', '10')
    .option('--per-round <n>', 'nodes made hot per round', '10')
    .option('--interval <s>', "the guardian's tick", '2')
    .option('--window <s>', "the guardian's window", '20')
    .option('--concurrency <n>', 'seeding requests in flight', '32')
    .option('--scenario <s>', 'taint (hot nodes), memory (containers near their limit) or both', 'both')
    .option('--container-scrape <s>', "Prometheus' scrape interval for every container's series", '15s')
    .option(
      '--recorded-node-usage',
      "node usage from deploy/guardian/prometheus-rules' recorded series (guardian.recordedNodeUsage), as a large cluster runs it",
    )
    .option('--rule-interval <s>', 'evaluation interval of those rules', '15')
    .option('--no-build', 'use the existing dist/')
    .parse(process.argv)
    .opts<{
      nodes: string;
      pods: string;
      pools: string;
      rounds: string;
      perRound: string;
      interval: string;
      window: string;
      concurrency: string;
      scenario: 'taint' | 'memory' | 'both';
      containerScrape: string;
      recordedNodeUsage?: boolean;
      ruleInterval: string;
      build: boolean;
    }>();
  const [nodes, pods, pools, rounds, perRound] = [o.nodes, o.pods, o.pools, o.rounds, o.perRound].map(
    Number,
  ) as [number, number, number, number, number];
  const bin = controlPlaneBinDir();
  if (!bin) throw new Error('the control plane is not built: pipeline/testing/control-plane/build.sh');
  const stagesDir = join(bin, '..', 'kwok-stages');
  const stages = readdirSync(stagesDir).map((f) => join(stagesDir, f));
  if (o.build) {
    const b = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }

  const children: ChildProcess[] = [];
  const cp = await startControlPlane({ users: { [USER]: [] }, auditUsers: [USER] });
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  /** Set on the way out: the guardian killed then is ours, not a crash to report. */
  let tearingDown = false;
  const exporter = startExporter(nodes);
  const runTaint = o.scenario !== 'memory';
  const runMemory = o.scenario !== 'taint';
  const hotMemory = runMemory ? hotContainers(pods, nodes, rounds * perRound) : [];
  const containers = startContainerExporter(pods, nodes, hotMemory);
  try {
    await prepareGuardianCluster(cp, [USER], 0);
    const kwok = spawn(
      join(bin, 'kwok'),
      ['--kubeconfig', cp.kubeconfig, '--manage-all-nodes=true', ...stages.flatMap((s) => ['--config', s])],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let kwokLog = '';
    kwok.stderr!.on('data', (c: Buffer) => (kwokLog = (kwokLog + c.toString()).slice(-3000)));
    children.push(kwok);

    const t0 = performance.now();
    const res = { cpu: String(CPU_CORES), memory: `${MEMORY / 2 ** 30}Gi`, pods: '110' };
    await seedCluster(cp, {
      nodes,
      pods,
      concurrency: Number(o.concurrency),
      node: (i) => ({
        labels: { pool: `pool-${i % pools}`, 'node.kubernetes.io/instance-type': 'm6i.8xlarge' },
        status: { capacity: res, allocatable: res },
      }),
    });
    const seedSeconds = (performance.now() - t0) / 1000;
    process.stderr.write(`seeded in ${seedSeconds.toFixed(0)} s; waiting for kwok\n`);

    // kwok turns nodes Ready; the not-ready taint admission added goes (no node controller here).
    await until(
      'kwok to make every node Ready',
      async () => {
        const list = (await kubeRequest(cp, 'GET', '/api/v1/nodes')).body;
        return (
          list.items.filter((n: any) =>
            n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
          ).length === nodes
        );
      },
      1_200_000,
      5000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${kwokLog}`);
    });
    const w = apiWriter(cp, 32);
    await Promise.all(
      Array.from({ length: nodes }, (_, i) =>
        w.limit(() =>
          w.send(
            'PATCH',
            `/api/v1/nodes/node-${i}`,
            { spec: { taints: null } },
            'application/merge-patch+json',
          ),
        ),
      ),
    );
    w.close();
    await until(
      'kwok to run every pod',
      async () =>
        (await kubeRequest(cp, 'GET', '/api/v1/pods?fieldSelector=status.phase%3DPending&limit=1')).body.items
          .length === 0,
      1_800_000,
      5000,
    );
    const readySeconds = (performance.now() - t0) / 1000 - seedSeconds;
    process.stderr.write(`cluster ready after ${readySeconds.toFixed(0)} s more\n`);

    // The pods made memory-hot get the status a kubelet with in-place resize writes (their
    // containers' resources): the API server admits no resize without it, and kwok does not write it.
    for (const h of hotMemory) await writeKubeletStatus(cp, h.namespace, h.pod, { applied: true });
    await new Promise<void>((r) => exporter.server.listen(0, '127.0.0.1', r));
    const exporterPort = (exporter.server.address() as AddressInfo).port;
    await new Promise<void>((r) => containers.server.listen(0, '127.0.0.1', r));
    const containerPort = (containers.server.address() as AddressInfo).port;
    const containerJobs = runMemory
      ? [
          `  - job_name: containers\n    scrape_interval: ${o.containerScrape}\n    scrape_timeout: ${o.containerScrape}\n    metrics_path: /containers\n    static_configs: [{ targets: ['127.0.0.1:${containerPort}'] }]`,
          `  - job_name: containers-hot\n    metrics_path: /hot\n    static_configs: [{ targets: ['127.0.0.1:${containerPort}'] }]`,
        ]
      : [];
    const ruleInterval = Number(o.ruleInterval);
    let ruleFiles: string[] = [];
    if (o.recordedNodeUsage) {
      const rules = join(mkdtempSync(join(tmpdir(), 'bench-guardian-rules-')), 'rules.yml');
      writeFileSync(rules, stringify({ groups: nodeUsageRuleGroups({ intervalSeconds: ruleInterval }) }));
      ruleFiles = [`rule_files: ['${rules}']`];
    }
    prom = await startPrometheus({
      config: [
        'global: { scrape_interval: 1s }',
        ...ruleFiles,
        'scrape_configs:',
        `  - job_name: cadvisor\n    static_configs: [{ targets: ['127.0.0.1:${exporterPort}'] }]`,
        ...containerJobs,
        '',
      ].join('\n'),
    });

    const dir = mkdtempSync(join(tmpdir(), 'bench-guardian-'));
    const port = await freePort();
    const config = join(dir, 'guardian.yaml');
    const saRoot = join(dir, 'pod');
    const saDir = join(saRoot, SERVICE_ACCOUNT_DIR);
    mkdirSync(saDir, { recursive: true });
    writeFileSync(join(saDir, 'token'), `${USER}-token`);
    writeFileSync(join(saDir, 'ca.crt'), readFileSync(cp.caFile));
    writeFileSync(
      config,
      [
        'apiVersion: tidemark.io/v1alpha1',
        'kind: Pipeline',
        'clusters:',
        '  - name: bench',
        '    kubernetes: { inCluster: true }',
        `    metrics: { prometheus: { url: "${prom.url}", timeout: 5s } }`,
        '    repo: { clone: true }',
        'guardian:',
        '  namespace: tidemark',
        `  intervalSeconds: ${o.interval}`,
        `  windowSeconds: ${o.window}`,
        // Recorded node samples are as old as the last evaluation: stale only after two of them.
        ...(o.recordedNodeUsage
          ? [
              '  recordedNodeUsage: true',
              `  staleIntervals: ${Math.ceil((2 * ruleInterval + 5) / Number(o.interval))}`,
            ]
          : []),
        '  coolSeconds: 3600',
        '  stepCooldownSeconds: 3600',
        '  poolLabel: pool',
        // every round's taints fit the cluster-wide cap; evictions are not what is measured
        `  brakes: { maxActionsPerMinute: ${perRound * 6} }`,
        '  actions: { evict: false }',
        `  listen: "127.0.0.1:${port}"`,
        '',
      ].join('\n'),
    );
    const guardian = spawn(
      process.execPath,
      [
        ...imageNodeFlags(),
        join(root, 'dist', 'pipeline', 'cli', 'main.js'),
        '--log-format',
        'json',
        'guardian',
        '--config',
        config,
      ],
      {
        // The in-cluster path, as in the image: the service account's files, the service's address.
        env: {
          ...process.env,
          POD_NAME: USER,
          KUBERNETES_SERVICE_HOST: '127.0.0.1',
          KUBERNETES_SERVICE_PORT: new URL(cp.server).port,
          TIDEMARK_SERVICE_ACCOUNT_ROOT: saRoot,
          NODE_OPTIONS: imageNodeOptions(),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let log = '';
    // The whole log on disk (its path printed on a failure); the tail in memory.
    const logFile = join(dir, 'guardian.log');
    /** The guardian's refusals by reason, from its /metrics (a round that timed out says why). */
    const refusals = () =>
      fetch(`http://127.0.0.1:${port}/metrics`)
        .then((x) => x.text())
        .then((t) =>
          t
            .split('\n')
            .filter((l) => /^tidemark_guardian_(refused|actions|resizes)_total\{/.test(l))
            .join('\n'),
        )
        .catch(() => '');
    const logStream = createWriteStream(logFile);
    guardian.stderr!.on('data', (c: Buffer) => {
      logStream.write(c);
      log = (log + c.toString()).slice(-20_000);
    });
    children.push(guardian);
    const started = performance.now();
    // RSS every 250 ms: the startup LISTs and the steady state are reported apart.
    let phase: 'sync' | 'rounds' | 'memory' = 'sync';
    const rssPeak = { sync: 0, rounds: 0, memory: 0 };
    const sampler = setInterval(() => {
      try {
        rssPeak[phase] = Math.max(rssPeak[phase], rssOf(guardian.pid!).rssMiB);
      } catch {
        // the process is gone: the exit handler below reports why
      }
    }, 250);
    // What the RSS is made of (V8 heap, Buffers and other memory outside it), from the guardian's
    // own /metrics every 2 s: a peak is explained by which part grew.
    const MEMORY_SERIES = {
      heapUsed: 'nodejs_heap_size_used_bytes',
      heapTotal: 'nodejs_heap_size_total_bytes',
      external: 'nodejs_external_memory_bytes',
    } as const;
    type MemoryPart = keyof typeof MEMORY_SERIES;
    const memoryPeak = {
      sync: { heapUsed: 0, heapTotal: 0, external: 0 },
      rounds: { heapUsed: 0, heapTotal: 0, external: 0 },
      memory: { heapUsed: 0, heapTotal: 0, external: 0 },
    };
    const memorySampler = setInterval(() => {
      const at = phase;
      void fetch(`http://127.0.0.1:${port}/metrics`)
        .then((x) => x.text())
        .then((text) => {
          for (const [part, name] of Object.entries(MEMORY_SERIES) as [MemoryPart, string][]) {
            const v = Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0) / 2 ** 20;
            memoryPeak[at][part] = Math.max(memoryPeak[at][part], Math.round(v));
          }
        })
        .catch(() => undefined); // not listening yet, or gone: the RSS sampler covers both
    }, 2000);
    let stopping = false;
    guardian.once('exit', (code, sig) => {
      if (stopping || tearingDown) return;
      // Reported, then the run fails through the normal path (a failed wait), so the control plane
      // and Prometheus are still stopped on the way out.
      process.stderr.write(`the guardian exited (${code ?? sig}) during the bench:\n${log.slice(-6000)}\n`);
      process.exitCode = 1;
    });
    await until(
      'the guardian to lead',
      async () =>
        (
          await kubeRequest(
            cp,
            'GET',
            '/apis/coordination.k8s.io/v1/namespaces/tidemark/leases/tidemark-guardian',
          )
        ).body?.spec?.holderIdentity === USER,
      300_000,
      250,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${log.slice(-3000)}`);
    });
    const syncSeconds = (performance.now() - started) / 1000;
    // full windows for every node before the first hotspot
    await sleep((Number(o.window) + 5) * 1000);
    const settled = rssOf(guardian.pid!);
    phase = 'rounds';

    // The poller: when each node's newest sample became queryable.
    const firstSeen = new Map<string, Map<number, number>>();
    const watched = new Set<string>();
    let polling = true;
    let pollErrors = 0;
    const poller = (async () => {
      while (polling) {
        const names = [...watched];
        if (names.length) {
          const q = `max by (node) (timestamp(container_memory_working_set_bytes{node=~"${names.join('|')}"}))`;
          // Prometheus answers 503 when its query queue is full: a missed poll, not a failure.
          const r = await fetch(`${prom!.url}/api/v1/query`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ query: q }),
          })
            .then((x) => (x.ok ? (x.json() as Promise<any>) : undefined))
            .catch(() => undefined);
          if (!r) pollErrors++;
          const at = Date.now();
          for (const s of r?.data?.result ?? []) {
            const m = firstSeen.get(s.metric.node) ?? new Map<number, number>();
            firstSeen.set(s.metric.node, m);
            const ts = Number(s.value[1]);
            if (!m.has(ts)) m.set(ts, at);
          }
        }
        await sleep(25);
      }
    })();

    const hot: string[] = [];
    for (let r = 0; r < (runTaint ? rounds : 0); r++) {
      const round: string[] = [];
      for (let k = 0; k < perRound; k++) {
        const i = ((r * perRound + k) * 7) % nodes;
        round.push(`node-${i}`);
        watched.add(`node-${i}`);
        exporter.setLevel(i, 0.95);
      }
      hot.push(...round);
      await until(
        `round ${r + 1} tainted`,
        async () => {
          const got = await Promise.all(
            round.map(async (n) =>
              ((await kubeRequest(cp, 'GET', `/api/v1/nodes/${n}`)).body.spec.taints ?? []).some(
                (t: any) => t.key === 'tidemark.io/hotspot',
              ),
            ),
          );
          return got.every(Boolean);
        },
        Number(o.window) * 1000 * 4,
        500,
      ).catch(async (err: Error) => {
        throw new Error(
          `${err.message} (guardian log: ${logFile})\n${log.slice(-3000)}\n${await refusals()}`,
        );
      });
      process.stderr.write(`  round ${r + 1}/${rounds}: ${round.length} nodes tainted\n`);
      await sleep(10_000 / 6); // stay under the per-minute cap between rounds
    }
    polling = false;
    await poller;

    // Memory pressure: containers pushed over 90 % of their limit, a round at a time; the poller
    // records when each one's newest sample became queryable.
    phase = 'memory';
    const seenContainer = new Map<string, Map<number, number>>();
    const watchedPods = new Set<string>();
    let pollingContainers = runMemory;
    const containerPoller = (async () => {
      while (pollingContainers) {
        const names = [...watchedPods];
        if (names.length) {
          const q = `max by (namespace, pod, container) (timestamp(container_memory_working_set_bytes{container="app",pod=~"${names.join('|')}"}))`;
          const r = await fetch(`${prom!.url}/api/v1/query`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ query: q }),
          })
            .then((x) => (x.ok ? (x.json() as Promise<any>) : undefined))
            .catch(() => undefined);
          if (!r) pollErrors++;
          const at = Date.now();
          for (const s of r?.data?.result ?? []) {
            const k = `${s.metric.namespace}/${s.metric.pod}`;
            const m = seenContainer.get(k) ?? new Map<number, number>();
            seenContainer.set(k, m);
            const ts = Number(s.value[1]);
            if (!m.has(ts)) m.set(ts, at);
          }
        }
        await sleep(25);
      }
    })();
    const raisedPods: HotContainer[] = [];
    for (let r = 0; r < (runMemory ? rounds : 0); r++) {
      const round = hotMemory.slice(r * perRound, (r + 1) * perRound);
      for (const h of round) {
        watchedPods.add(h.pod);
        containers.heat(h);
      }
      raisedPods.push(...round);
      await until(
        `memory round ${r + 1} raised`,
        async () => {
          const got = await Promise.all(
            round.map(
              async (h) =>
                (await kubeRequest(cp, 'GET', `/api/v1/namespaces/${h.namespace}/pods/${h.pod}`)).body.spec
                  .containers[0].resources.limits.memory !== '512Mi',
            ),
          );
          return got.every(Boolean);
        },
        Number(o.window) * 1000 * 4,
        500,
      ).catch(async (err: Error) => {
        throw new Error(
          `${err.message} (guardian log: ${logFile})\n${log.slice(-3000)}\n${await refusals()}`,
        );
      });
      process.stderr.write(`  memory round ${r + 1}/${rounds}: ${round.length} containers raised in place\n`);
    }
    pollingContainers = false;
    await containerPoller;
    const end = rssOf(guardian.pid!);
    clearInterval(sampler);
    clearInterval(memorySampler);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((x) => x.text());
    // What Prometheus spent for the guardian: the recording rules (when on) and every query.
    const promMetrics = await fetch(`${prom.url}/metrics`).then((x) => x.text());
    const promValue = (re: RegExp) => Number(re.exec(promMetrics)?.[1] ?? NaN);
    const prometheusCost = {
      ruleGroupLastSeconds: o.recordedNodeUsage
        ? promValue(/^prometheus_rule_group_last_duration_seconds\{[^}]*\} (\S+)$/m)
        : undefined,
      ruleIterationsMissed: o.recordedNodeUsage
        ? promValue(/^prometheus_rule_group_iterations_missed_total\{[^}]*\} (\S+)$/m)
        : undefined,
      cpuSeconds: promValue(/^process_cpu_seconds_total (\S+)$/m),
    };
    // A watch is audited when it ends: let the guardian close its streams before counting.
    stopping = true;
    const exited = new Promise((r) => guardian.once('exit', r));
    guardian.kill('SIGTERM');
    await exited;
    await sleep(1000);

    // Latency: PATCH time (audit) − when the completing sample became queryable (poller).
    const audit = cp.audit();
    const patchAt = new Map<string, number>();
    for (const e of audit as any[])
      if (
        e.user.username === USER &&
        e.verb === 'patch' &&
        e.objectRef?.resource === 'nodes' &&
        e.stage === 'ResponseComplete'
      )
        if (!patchAt.has(e.objectRef.name))
          patchAt.set(e.objectRef.name, Date.parse(e.requestReceivedTimestamp));
    const journal = (await readJournal(cp)) as any[];
    const latencies: number[] = [];
    const scrapeLags: number[] = [];
    const missing: string[] = [];
    for (const n of hot) {
      const e = journal.find((x) => x.action === 'taint' && x.target === `Node/${n}`);
      const seen = firstSeen.get(n)?.get(Number(e?.signal?.newest));
      const acted = patchAt.get(n);
      if (!e || seen === undefined || acted === undefined) {
        missing.push(n);
        continue;
      }
      latencies.push((acted - seen) / 1000);
      scrapeLags.push(seen / 1000 - Number(e.signal.newest));
    }
    // The same for the in-place raises: the resize PATCH against the journal's newest sample.
    const resizeAt = new Map<string, number>();
    for (const e of audit as any[])
      if (
        e.user.username === USER &&
        e.objectRef?.subresource === 'resize' &&
        e.stage === 'ResponseComplete' &&
        e.responseStatus?.code === 200 &&
        !resizeAt.has(`${e.objectRef.namespace}/${e.objectRef.name}`)
      )
        resizeAt.set(`${e.objectRef.namespace}/${e.objectRef.name}`, Date.parse(e.requestReceivedTimestamp));
    const resizeLatencies: number[] = [];
    const resizeLags: number[] = [];
    const resizeMissing: string[] = [];
    for (const h of raisedPods) {
      const key = `${h.namespace}/${h.pod}`;
      const e = journal.find((x) => x.action === 'resize' && x.target === `Pod/${key}`);
      const seen = seenContainer.get(key)?.get(Number(e?.signal?.newest));
      const acted = resizeAt.get(key);
      if (!e || seen === undefined || acted === undefined) {
        resizeMissing.push(key);
        continue;
      }
      resizeLatencies.push((acted - seen) / 1000);
      resizeLags.push(seen / 1000 - Number(e.signal.newest));
    }
    const requests: Record<string, number> = {};
    for (const e of audit as any[]) {
      if (e.user.username !== USER || e.stage !== 'ResponseComplete' || !e.objectRef) continue;
      const k = `${e.objectRef.resource}${e.objectRef.subresource ? `/${e.objectRef.subresource}` : ''}:${e.verb}`;
      requests[k] = (requests[k] ?? 0) + 1;
    }
    const metric = (name: string) =>
      metrics
        .split('\n')
        .filter((l) => l.startsWith(name))
        .map((l) => l.trim());
    const stat = (xs: number[]) =>
      xs.length
        ? {
            p50: Number(percentile(xs, 0.5).toFixed(3)),
            p99: Number(percentile(xs, 0.99).toFixed(3)),
            max: Number(Math.max(...xs).toFixed(3)),
          }
        : undefined;
    const result = {
      generatedAt: new Date().toISOString(),
      nodes,
      pods,
      pools,
      guardian: {
        intervalSeconds: Number(o.interval),
        windowSeconds: Number(o.window),
        recordedNodeUsage: o.recordedNodeUsage ? { ruleIntervalSeconds: ruleInterval } : false,
        nodeOptions: imageNodeOptions(),
        nodeFlags: imageNodeFlags(),
      },
      seedSeconds: Math.round(seedSeconds),
      kwokReadySeconds: Math.round(readySeconds),
      guardianSyncSeconds: Number(syncSeconds.toFixed(1)),
      actions: latencies.length,
      unmatched: missing,
      pollErrors,
      latencySeconds: stat(latencies),
      scrapeLagSeconds: stat(scrapeLags),
      memoryPressure: {
        containerScrape: o.containerScrape,
        containerSeries: runMemory ? pods * 3 * 2 : 0,
        raises: resizeLatencies.length,
        unmatched: resizeMissing,
        latencySeconds: stat(resizeLatencies),
        scrapeLagSeconds: stat(resizeLags),
        prometheus: prometheusCost,
      },
      rssMiB: {
        afterSync: settled.rssMiB,
        end: end.rssMiB,
        peak: end.peakMiB,
        peakDuringSync: rssPeak.sync,
        peakDuringRounds: rssPeak.rounds,
        peakDuringMemoryRounds: rssPeak.memory,
      },
      memoryPeakMiB: memoryPeak,
      requests,
      watchRestarts: metric('tidemark_guardian_watch_restarts'),
    };
    const file = join(
      root,
      'bench',
      'results',
      `guardian-${nodes}-${pods}${o.scenario === 'both' ? '' : `-${o.scenario}`}.json`,
    );
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    const lists = Object.entries(requests)
      .filter(([k]) => k.endsWith(':list'))
      .map(([k, v]) => `${k.split(':')[0]} ${v}`)
      .join(', ');
    const watches = Object.entries(requests)
      .filter(([k]) => k.endsWith(':watch'))
      .map(([k, v]) => `${k.split(':')[0]} ${v}`)
      .join(', ');
    console.log(
      [
        `bench:guardian — ${nodes} nodes (${pools} pools), ${pods} pods on kwok; guardian tick ${o.interval} s, window ${o.window} s${o.recordedNodeUsage ? `, node usage from the recording rules (every ${ruleInterval} s)` : ''}; node ${[...imageNodeFlags(), `NODE_OPTIONS=${imageNodeOptions()}`].join(' ')}`,
        `  seeded in ${result.seedSeconds} s, kwok ready ${result.kwokReadySeconds} s later; the guardian led after ${result.guardianSyncSeconds} s`,
        ...(runTaint
          ? [
              `  ${latencies.length} taints: completing sample queryable → PATCH ${fmtStat(result.latencySeconds)}${missing.length ? ` (${missing.length} unmatched)` : ''}`,
              `    Prometheus scrape lag (sample time → queryable): ${fmtStat(result.scrapeLagSeconds)}`,
            ]
          : []),
        ...(runMemory
          ? [
              `  ${resizeLatencies.length} memory raises (${pods * 3} containers' working set and limit scraped every ${o.containerScrape}, the hot ones every second): qualifying sample queryable → pods/resize PATCH ${fmtStat(result.memoryPressure.latencySeconds)}${resizeMissing.length ? ` (${resizeMissing.length} unmatched)` : ''}`,
              `    Prometheus scrape lag: ${fmtStat(result.memoryPressure.scrapeLagSeconds)}; Prometheus CPU ${prometheusCost.cpuSeconds.toFixed(0)} s since its start${prometheusCost.ruleGroupLastSeconds !== undefined ? `, the node-usage rules took ${prometheusCost.ruleGroupLastSeconds.toFixed(2)} s at their last evaluation (${prometheusCost.ruleIterationsMissed} missed)` : ''}`,
            ]
          : []),
        `  guardian RSS: ${settled.rssMiB} MiB after sync, ${end.rssMiB} MiB at the end; peak ${end.peakMiB} MiB (${rssPeak.sync} MiB while listing and settling, ${rssPeak.rounds} MiB during the taint rounds, ${rssPeak.memory} MiB during the memory rounds)`,
        `  V8 heap used/total, external — peak while listing ${memoryPeak.sync.heapUsed}/${memoryPeak.sync.heapTotal}, ${memoryPeak.sync.external} MiB; during the taint rounds ${memoryPeak.rounds.heapUsed}/${memoryPeak.rounds.heapTotal}, ${memoryPeak.rounds.external} MiB; during the memory rounds ${memoryPeak.memory.heapUsed}/${memoryPeak.memory.heapTotal}, ${memoryPeak.memory.external} MiB`,
        `  API requests: LIST pages ${lists || 'none'}; watches ${watches || 'none'}; node patches ${requests['nodes:patch'] ?? 0}; pods/resize patches ${requests['pods/resize:patch'] ?? 0}`,
        `wrote ${file}`,
      ].join('\n'),
    );
  } finally {
    tearingDown = true;
    for (const c of children) c.kill('SIGKILL');
    await prom?.stop();
    exporter.server.close();
    containers.server.close();
    await cp.stop();
  }
}

function fmtStat(x: { p50: number; p99: number; max: number } | undefined): string {
  return x ? `p50 ${x.p50} s, p99 ${x.p99} s, max ${x.max} s` : 'none';
}

// Exits when done: a keep-alive socket or a sampler left behind must not hold a finished run open.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    // main's finally has stopped every child by now; a failed round leaves its samplers' timers
    // running, which would keep the process alive for ever.
    process.exit(1);
  },
);
