/**
 * KRR beside Tidemark on the same bed (`bench:scale -- --peer krr`): `krr simple` against the same
 * kube-apiserver (the test control plane, seeded with the bench's Deployments, ReplicaSets and
 * Pods) and the same Prometheus, with KRR's defaults (14 days, p95 CPU, max memory + 15 %).
 *
 * KRR comes from PyPI (`robusta-krr`) into a virtualenv cached per version under
 * $TIDEMARK_CACHE/krr-<version>/. Where PyPI does not serve it, `--krr-command` names a krr you
 * installed yourself (a brew or pipx install, a venv): the bench never builds KRR.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import pRetry from 'p-retry';

export interface KrrRun {
  wallSeconds: number;
  peakRssMiB: number;
  exitCode: number;
  /** KRR's JSON result (its `-f json` output). */
  result: KrrResult;
  stderrTail: string;
}

export interface KrrResult {
  scans: {
    object: { namespace: string; name: string; kind: string; container: string };
    recommended: {
      requests: Record<string, { value: number | string | null } | number | string | null>;
      limits: Record<string, { value: number | string | null } | number | string | null>;
    };
  }[];
  errors?: unknown[];
}

/** The krr command line to run: `--krr-command`, else the cached PyPI install of `version`. */
export function krrCommand(o: { command?: string; version: string; cache: string }): string[] {
  if (o.command) return o.command.split(' ').filter(Boolean);
  const venv = join(o.cache, `krr-${o.version}`);
  const bin = join(venv, 'bin', 'krr');
  if (existsSync(join(venv, 'installed'))) return [bin];
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(venv, { recursive: true });
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  const pip = spawnSync(join(venv, 'bin', 'pip'), ['install', '--quiet', `robusta-krr==${o.version}`], {
    encoding: 'utf8',
  });
  if (pip.status !== 0) {
    rmSync(venv, { recursive: true, force: true });
    throw new Error(
      `pip could not install robusta-krr==${o.version} from the package index (${pip.stderr.trim().split('\n').pop()}). ` +
        `Install KRR yourself and pass --krr-command "PATH/TO/krr"`,
    );
  }
  execFileSync('touch', [join(venv, 'installed')]);
  return [bin];
}

/**
 * `krr simple` with its defaults, the Prometheus URL given (no discovery through the cluster),
 * the test control plane's kubeconfig, JSON to a file; timed with /usr/bin/time like our plan.
 */
export function runKrr(o: {
  command: string[];
  kubeconfig: string;
  prometheusUrl: string;
  outFile: string;
  maxWorkers: number;
}): KrrRun {
  rmSync(o.outFile, { force: true });
  const t = performance.now();
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%M',
      ...o.command,
      'simple',
      '--kubeconfig',
      o.kubeconfig,
      '--prometheus-url',
      o.prometheusUrl,
      '--max-workers',
      String(o.maxWorkers),
      '--formatter',
      'json',
      '--fileoutput',
      o.outFile,
      '--quiet',
    ],
    {
      encoding: 'utf8',
      maxBuffer: 512 * 2 ** 20,
      // No proxy and no telemetry: everything KRR talks to is on 127.0.0.1.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_PROXY: '*', PYTHONUNBUFFERED: '1' },
    },
  );
  const wallSeconds = (performance.now() - t) / 1000;
  const rss = Number(r.stderr.trim().split('\n').pop());
  if (r.status !== 0 || !existsSync(o.outFile))
    throw new Error(`krr failed (exit ${r.status}): ${r.stderr.slice(-3000)}`);
  return {
    wallSeconds,
    peakRssMiB: Math.round(rss / 1024),
    exitCode: r.status ?? -1,
    result: JSON.parse(readFileSync(o.outFile, 'utf8')) as KrrResult,
    stderrTail: r.stderr.slice(-2000),
  };
}

/** A request's value in cores or bytes, or undefined when KRR gave none ("?", NaN). */
export function krrValue(
  v: { value: number | string | null } | number | string | null | undefined,
): number | undefined {
  const x = v !== null && typeof v === 'object' ? v.value : v;
  const n = typeof x === 'number' ? x : typeof x === 'string' ? Number(x) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Prometheus' own request counters, per API handler (from its /metrics). */
export async function prometheusRequests(url: string): Promise<Record<string, number>> {
  // Retried: after a minutes-long plan run, the pooled keep-alive socket Prometheus has closed
  // fails the first write (EPIPE) — a transport hiccup, not a bench result.
  const text = await pRetry(async () => (await fetch(`${url}/metrics`)).text(), {
    retries: 3,
    minTimeout: 200,
  });
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^prometheus_http_requests_total\{([^}]*)\} (\S+)$/gm)) {
    const handler = /handler="([^"]*)"/.exec(m[1]!)?.[1] ?? '';
    if (!handler.startsWith('/api/v1/')) continue;
    out[handler] = (out[handler] ?? 0) + Number(m[2]);
  }
  return out;
}

export function requestsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}
