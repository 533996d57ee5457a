/**
 * A real Prometheus for tests and benchmarks (test-infra.md §2): Debian's package, history
 * backfilled with `promtool tsdb create-blocks-from openmetrics --max-block-duration=24h`, served on
 * 127.0.0.1 on a free port with a retention longer than the data, stopped by PID.
 *
 * Missing binaries are installed with apt-get when we are root; otherwise the tier says it is
 * skipped, and under TIDEMARK_REQUIRE_TIERS=1 (CI) a skip is a failure.
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface PrometheusServer {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A directory of TSDB blocks (from backfill); copied, so a cached one stays pristine. */
  blocks?: string;
  /** Serve `blocks` where it is instead of a copy (benchmarks: a multi-GB cache). */
  inPlace?: boolean;
  /** Extra command-line flags, e.g. --query.max-samples=1000. */
  flags?: string[];
  /** Contents of --web.config.file (TLS, basic auth). */
  webConfig?: string;
  /** Scheme for the readiness probe and the returned URL. */
  scheme?: 'http' | 'https';
  /** prometheus.yml (default: no scrape jobs; tests that scrape a live exporter pass their own). */
  config?: string;
}

let availability: { ok: true } | { ok: false; reason: string } | undefined;

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Makes sure prometheus and promtool exist (installing the Debian package as root). */
export function prometheusAvailable(): { ok: true } | { ok: false; reason: string } {
  if (availability) return availability;
  if (!has('prometheus') || !has('promtool')) {
    const root = process.getuid?.() === 0;
    if (root && has('apt-get')) {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
      spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], {
        stdio: 'ignore',
        env,
      });
    }
  }
  availability =
    has('prometheus') && has('promtool')
      ? { ok: true }
      : {
          ok: false,
          reason: 'prometheus/promtool not installed and could not be installed (apt-get install prometheus)',
        };
  return availability;
}

/** Backfills an OpenMetrics file into `outDir` (24 h blocks); returns outDir. */
export function backfill(openMetricsFile: string, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  execFileSync('promtool', backfillArgs(openMetricsFile, outDir), {
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 * 2 ** 20,
  });
  return outDir;
}

function backfillArgs(openMetricsFile: string, outDir: string): string[] {
  return ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=24h', openMetricsFile, outDir];
}

/**
 * `backfill` in a child process the caller can overlap with writing the next file (a multi-GB
 * bench bed: generating day N+1 while promtool packs day N uses both cores).
 */
export function backfillAsync(openMetricsFile: string, outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', backfillArgs(openMetricsFile, outDir), {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(outDir)
        : reject(new Error(`promtool backfill of ${openMetricsFile} exited ${code}: ${stderr.trim()}`)),
    );
  });
}

/** kube-prometheus' recorded per-container CPU rate (an irate of cAdvisor's counter). */
export const RECORDED_CPU_RATE = 'node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate';

/**
 * Writes kube-prometheus' CPU rule to `file`: evaluated every `interval` seconds, over a window
 * of at least two scrapes, on the cAdvisor series `matchers` selects (theirs select the kubelet job).
 */
export function writeCpuRateRule(file: string, o: { interval: number; matchers: string }): string {
  const window = Math.max(300, o.interval * 2.5);
  writeFileSync(
    file,
    [
      'groups:',
      '  - name: k8s.rules.container_cpu_usage_seconds_total',
      `    interval: ${o.interval}s`,
      '    rules:',
      `      - record: ${RECORDED_CPU_RATE}`,
      `        expr: sum by (namespace, pod, container) (irate(container_cpu_usage_seconds_total{${o.matchers}}[${window}s]))`,
      '',
    ].join('\n'),
  );
  return file;
}

/**
 * Evaluates recording rules over [start, end] against a running Prometheus and writes their series
 * as blocks (promtool's rule backfill), for a server started on the raw blocks and these together.
 */
export function backfillRules(
  url: string,
  rulesFile: string,
  range: { start: number; end: number },
  outDir: string,
): string {
  mkdirSync(outDir, { recursive: true });
  execFileSync(
    'promtool',
    [
      'tsdb',
      'create-blocks-from',
      'rules',
      '--quiet',
      `--url=${url}`,
      `--start=${range.start}`,
      `--end=${range.end}`,
      `--output-dir=${outDir}`,
      rulesFile,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 2 ** 20 },
  );
  return outDir;
}

export async function startPrometheus(opts: StartOptions = {}): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-prom-'));
  const dataDir = opts.inPlace && opts.blocks ? opts.blocks : join(dir, 'data');
  if (opts.inPlace) mkdirSync(dataDir, { recursive: true });
  else if (opts.blocks && existsSync(opts.blocks)) cpSync(opts.blocks, dataDir, { recursive: true });
  else mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    join(dir, 'prometheus.yml'),
    opts.config ?? 'global: { scrape_interval: 60s }\nscrape_configs: []\n',
  );
  const port = await freePort();
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${dataDir}`,
    // Retention counts back from the newest block; generous so backfilled history survives.
    '--storage.tsdb.retention.time=3650d',
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
    ...(opts.flags ?? []),
  ];
  if (opts.webConfig) {
    writeFileSync(join(dir, 'web.yml'), opts.webConfig);
    args.push(`--web.config.file=${join(dir, 'web.yml')}`);
  }
  const child: ChildProcess = spawn('prometheus', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: false,
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const scheme = opts.scheme ?? 'http';
  const url = `${scheme}://127.0.0.1:${port}`;
  try {
    await waitReady(port, child, () => stderr, scheme === 'http' ? `${url}/-/ready` : undefined);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stopped = false;
  return {
    url,
    port,
    pid: child.pid!,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Ready when the port accepts connections (TLS configs make an HTTP probe awkward). */
async function waitReady(
  port: number,
  child: ChildProcess,
  log: () => string,
  readyUrl?: string,
): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok && readyUrl) {
      // 401 means up behind basic auth; 503 means still loading the TSDB.
      const ready = await fetch(readyUrl).then(
        (r) => r.ok || r.status === 401,
        () => false,
      );
      if (ready) return;
    } else if (ok) {
      // Behind TLS: the listener opens before the TSDB is loaded; give it the moment /-/ready would.
      await new Promise((r) => setTimeout(r, 500));
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus did not start within 30 s: ${log()}`);
}
