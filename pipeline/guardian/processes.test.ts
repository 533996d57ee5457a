/**
 * The real `tidemark guardian` processes on a real kube-apiserver, reading node usage from a real
 * Prometheus that scrapes a live exporter every second: two replicas and only the leader acts; the
 * leader frozen with SIGSTOP past its Lease loses it, the other takes over, and the frozen one,
 * resumed, writes nothing; a replacement process with an empty disk (the pod recreated) takes
 * over from the journal and reverts the first leader's taint when the node cools.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../testing/control-plane/index.js';
import { kubeRequest } from '../testing/control-plane/seed.js';
import { hasHotspotTaint, prepareGuardianCluster, readJournal } from '../testing/guardian-cluster.js';
import { describeWithControlPlane } from '../testing/kube-tier.js';
import { startPrometheus, type PrometheusServer } from '../testing/prometheus.js';
import { describeWithPrometheus } from '../testing/prometheus-tier.js';
import { freePort } from '../testing/ports.js';
import { allowSlowTests } from '../testing/slow.js';
import { packageRoot } from '../core/json-schema.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

allowSlowTests();

const GiB = 2 ** 30;
const WRITES = new Set(['create', 'update', 'patch', 'delete']);

// Both tiers as the run decided at its start; the run's last line names any skipped tier.
const withPrometheus = describeWithPrometheus();
const withControlPlane = describeWithControlPlane();
const describeBoth = withPrometheus === describe && withControlPlane === describe ? describe : describe.skip;

describeBoth('guardian processes: failover, a frozen leader, a fresh pod', () => {
  let cp: ControlPlane;
  let prom: PrometheusServer;
  let exporter: Server;
  const memory: Record<string, number> = {};
  const procs: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-guardian-proc-'));
  /** The tail of each process's log, printed when a wait times out. */
  const logs = new Map<string, string>();
  const ports = new Map<string, number>();

  const until = async (what: string, ok: () => Promise<boolean>, ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    const metrics: string[] = [];
    for (const [u, port] of ports) {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      metrics.push(
        `--- ${u} /metrics\n${text
          .split('\n')
          .filter((l) => l.startsWith('tidemark_'))
          .join('\n')}`,
      );
    }
    throw new Error(
      `${metrics.join('\n')}\ntimed out waiting for ${what}\n${[...logs].map(([u, l]) => `--- ${u}\n${l.slice(-1500)}`).join('\n')}`,
    );
  };
  const tainted = (n: string) => hasHotspotTaint(cp, n);
  const holder = async () =>
    (
      await kubeRequest(
        cp,
        'GET',
        '/apis/coordination.k8s.io/v1/namespaces/tidemark/leases/tidemark-guardian',
      )
    ).body?.spec?.holderIdentity as string | undefined;
  const journal = async () => (await readJournal(cp)) as any[];

  async function start(user: string): Promise<ChildProcess> {
    const port = await freePort();
    ports.set(user, port);
    const config = join(dir, `${user}.yaml`);
    writeFileSync(
      config,
      [
        'apiVersion: tidemark.io/v1alpha1',
        'kind: Pipeline',
        'clusters:',
        '  - name: test',
        `    kubernetes: { kubeconfig: "${cp.kubeconfigFor(user)}" }`,
        `    metrics: { prometheus: { url: "${prom.url}", timeout: 5s } }`,
        '    repo: { clone: true }',
        'guardian:',
        '  namespace: tidemark',
        '  intervalSeconds: 1',
        '  windowSeconds: 10',
        '  coolSeconds: 4',
        '  stepCooldownSeconds: 600',
        '  poolLabel: pool',
        `  listen: "127.0.0.1:${port}"`,
        '',
      ].join('\n'),
    );
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(packageRoot(), 'pipeline', 'cli', 'main.ts'),
        '--log-format',
        'json',
        'guardian',
        '--config',
        config,
      ],
      { env: { ...process.env, POD_NAME: user, NODE_OPTIONS: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      err = (err + c.toString()).slice(-4000);
      logs.set(user, err);
    });
    child.on('exit', (code, sig) => {
      if (code && code !== 0 && sig !== 'SIGKILL')
        process.stderr.write(`guardian ${user} exited ${code}: ${err}\n`);
    });
    procs.push(child);
    // ready when /healthz answers
    await until(`${user} /healthz`, async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
      } catch {
        return false;
      }
    });
    return child;
  }

  beforeAll(async () => {
    cp = await startControlPlane({ users: { 'guardian-1': [], 'guardian-2': [] } });
    await prepareGuardianCluster(cp, ['guardian-1', 'guardian-2'], 6);
    for (let i = 0; i < 6; i++) memory[`node-${i}`] = 10 * GiB;
    memory['node-0'] = 62 * GiB; // 97 % of allocatable
    const t0 = Date.now() / 1000;
    exporter = createServer((_, res) => {
      const t = Date.now() / 1000 - t0;
      const lines = [
        '# TYPE container_cpu_usage_seconds_total counter',
        '# TYPE container_memory_working_set_bytes gauge',
      ];
      for (const [n, m] of Object.entries(memory)) {
        const l = `namespace="shop",pod="app-${n}",container="app",node="${n}"`;
        lines.push(
          `container_cpu_usage_seconds_total{${l}} ${(2 * t).toFixed(3)}`,
          `container_memory_working_set_bytes{${l}} ${m}`,
        );
      }
      res.end(lines.join('\n') + '\n');
    });
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
    prom = await startPrometheus({
      config: `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: cadvisor\n    static_configs: [{ targets: ['127.0.0.1:${(exporter.address() as AddressInfo).port}'] }]\n`,
    });
  });

  afterAll(async () => {
    for (const p of procs) {
      p.kill('SIGCONT');
      p.kill('SIGKILL');
    }
    await prom?.stop();
    exporter?.close();
    await cp?.stop();
  });

  it('acts once through the leader, survives a frozen leader without a stale write, and resumes from the journal in a new pod', async () => {
    const p1 = await start('guardian-1');
    const p2 = await start('guardian-2');
    await until('node-0 tainted', () => tainted('node-0'));
    // the step ends with its Event: freezing the leader before it would leave that write pending
    await until('the taint Event', async () =>
      (
        (await kubeRequest(cp, 'GET', '/api/v1/namespaces/default/events')).body.items as { reason: string }[]
      ).some((e) => e.reason === 'HotspotTainted'),
    );
    expect((await journal()).filter((e) => e.action === 'taint')).toHaveLength(1);
    const first = (await holder())!;
    const [leader, other] = first === 'guardian-1' ? [p1, p2] : [p2, p1];
    const follower = first === 'guardian-1' ? 'guardian-2' : 'guardian-1';

    // freeze the leader past its 15 s lease; the other takes over
    leader.kill('SIGSTOP');
    await until('the follower holds the lease', async () => (await holder()) === follower, 40_000);
    const mark = cp.audit().length;
    leader.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, 5000));
    const staleWrites = cp
      .audit()
      .slice(mark)
      .filter((e) => e.user.username === first && WRITES.has(e.verb) && e.stage === 'ResponseComplete');
    expect(staleWrites).toEqual([]);
    expect((await journal()).filter((e) => e.action === 'taint')).toHaveLength(1); // nothing done twice

    // the first leader's pod is deleted and recreated (empty disk); the current leader goes away
    leader.kill('SIGKILL');
    const fresh = await start(first);
    other.kill('SIGTERM'); // gives the lease up on the way out
    await until('the fresh pod leads', async () => (await holder()) === first, 40_000);
    memory['node-0'] = 10 * GiB; // the node cools: the fresh pod reverts the taint it never made itself
    await until('node-0 untainted', async () => !(await tainted('node-0')), 60_000);
    const entries = (await journal()).filter((e) => e.target === 'Node/node-0' && e.action === 'taint');
    expect(entries).toEqual([expect.objectContaining({ state: 'reverted' })]);
    // its /metrics carries the process's own memory beside the guardian's series
    const text = await (await fetch(`http://127.0.0.1:${ports.get(first)}/metrics`)).text();
    expect(text).toMatch(/^tidemark_guardian_leader 1$/m);
    expect(Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1])).toBeGreaterThan(1e6);
    expect(Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1])).toBeGreaterThan(1e6);
    fresh.kill('SIGTERM');
  });
});
