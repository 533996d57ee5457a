/**
 * A real control plane for tests (test-infra.md §1): etcd and kube-apiserver built from the Go
 * module proxy by build.sh into a cache outside the repo, started on 127.0.0.1 with free ports, a
 * throwaway PKI, static tokens for an admin and for test users, and an audit log so tests can
 * count the requests the API server actually served.
 *
 * A bare API server runs no controllers: Deployments create no ReplicaSets and no Pods get
 * status. Seeding helpers write those objects (and their /status) themselves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../ports.js';
import { openssl, makeCa, issueCert, SERVER_EXTENSIONS } from '../tls.js';

export interface ControlPlane {
  server: string;
  caFile: string;
  /** A kubeconfig for the admin (system:masters). */
  kubeconfig: string;
  adminToken: string;
  dir: string;
  auditLog: string;
  /** Writes a kubeconfig for a static-token user (see `users`). */
  kubeconfigFor(user: string): string;
  /** Requests the API server logged (audit, Metadata level), parsed. */
  audit(): AuditEvent[];
  /**
   * Stops and starts kube-apiserver only (etcd keeps the data), for restart tests. `readyAs`: also
   * wait until that user may GET that path (RBAC's caches fill just after readyz).
   */
  restartApiServer(downMs?: number, readyAs?: { user: string; path: string }): Promise<void>;
  stop(): Promise<void>;
}

export interface AuditEvent {
  verb: string;
  requestURI: string;
  user: { username: string; groups?: string[] };
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number };
  stage: string;
}

export interface ControlPlaneOptions {
  /** Extra static-token users: name → groups. Tokens are `${name}-token`. */
  users?: Record<string, string[]>;
  binDir?: string;
  /**
   * Audit only these users' requests. A long benchmark's heartbeats and pod churn would
   * otherwise fill the log past the API server's 100 MB rotation and lose the requests it counts.
   */
  auditUsers?: string[];
}

/** TIDEMARK_K8S_BIN, else the newest build under build.sh's cache ($TIDEMARK_CACHE, ~/.cache/tidemark). */
export function controlPlaneBinDir(): string | undefined {
  const fromEnv = process.env.TIDEMARK_K8S_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'kube-apiserver'))) return fromEnv;
  const cache = process.env.TIDEMARK_CACHE ?? join(homedir(), '.cache', 'tidemark');
  const builds = existsSync(cache)
    ? readdirSync(cache)
        .filter((n) => n.startsWith('k8s-'))
        .sort()
    : [];
  const dir = builds
    .map((n) => join(cache, n, 'bin'))
    .filter((d) => existsSync(d))
    .at(-1);
  return dir && existsSync(join(dir, 'kube-apiserver')) && existsSync(join(dir, 'etcd')) ? dir : undefined;
}

async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  child: ChildProcess,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): ${log().slice(-2000)}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready in 60 s: ${log().slice(-2000)}`);
}

function spawnLogged(bin: string, args: string[]): { child: ChildProcess; log: () => string } {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let buf = '';
  child.stderr?.on('data', (d: Buffer) => {
    buf = (buf + d.toString()).slice(-20_000);
  });
  return { child, log: () => buf };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const bin = opts.binDir ?? controlPlaneBinDir();
  if (!bin) throw new Error('control-plane binaries not built: run pipeline/testing/control-plane/build.sh');
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-cp-'));
  makeCa(dir);
  issueCert(dir, 'apiserver', 'kube-apiserver', SERVER_EXTENSIONS);
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key'], dir);
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  const adminToken = `admin-${Math.random().toString(36).slice(2)}`;
  const users = opts.users ?? {};
  writeFileSync(
    join(dir, 'tokens.csv'),
    [
      `${adminToken},admin,admin,"system:masters"`,
      ...Object.entries(users).map(([u, g], i) => `${u}-token,${u},uid-${i},"${g.join(',')}"`),
    ].join('\n') + '\n',
  );
  writeFileSync(
    join(dir, 'audit-policy.yaml'),
    'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n' +
      (opts.auditUsers
        ? `  - level: Metadata\n    users: ${JSON.stringify(opts.auditUsers)}\n  - level: None\n`
        : '  - level: Metadata\n'),
  );
  const auditLog = join(dir, 'audit.log');

  const etcdClient = await freePort();
  const etcdPeer = await freePort();
  const etcd = spawnLogged(join(bin, 'etcd'), [
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
    '--unsafe-no-fsync=true',
    '--log-level=error',
  ]);
  await waitFor(
    () => fetch(`http://127.0.0.1:${etcdClient}/health`).then((r) => r.ok),
    'etcd',
    etcd.child,
    etcd.log,
  );

  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const apiArgs = [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${dir}`,
    `--tls-cert-file=${join(dir, 'apiserver.crt')}`,
    `--tls-private-key-file=${join(dir, 'apiserver.key')}`,
    `--client-ca-file=${join(dir, 'ca.crt')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    `--service-account-issuer=${server}/`,
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=RBAC',
    '--disable-admission-plugins=ServiceAccount',
    '--allow-privileged=true',
    `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
    `--audit-log-path=${auditLog}`,
    '--audit-log-mode=blocking',
    '-v=0',
  ];
  let api = spawnLogged(join(bin, 'kube-apiserver'), apiArgs);
  const ca = readFileSync(join(dir, 'ca.crt'));
  const status = async (url: string, token: string): Promise<number> => {
    const { request } = await import('node:https');
    return new Promise((resolve) => {
      const req = request(url, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.end();
    });
  };
  const ready = async (): Promise<boolean> => (await status(`${server}/readyz`, adminToken)) === 200;
  await waitFor(ready, 'kube-apiserver', api.child, api.log);

  const caFile = join(dir, 'ca.crt');
  const kubeconfigFor = (user: string, token = `${user}-token`): string =>
    writeTokenKubeconfig(join(dir, `kubeconfig-${user}`), server, caFile, user, token);
  const kubeconfig = kubeconfigFor('admin', adminToken);

  return {
    server,
    caFile,
    kubeconfig,
    adminToken,
    dir,
    auditLog,
    kubeconfigFor: (u) => kubeconfigFor(u),
    audit: () => readAuditLog(auditLog),
    async restartApiServer(downMs = 0, readyAs) {
      await kill(api.child);
      await new Promise((r) => setTimeout(r, downMs));
      api = spawnLogged(join(bin, 'kube-apiserver'), apiArgs);
      await waitFor(ready, 'kube-apiserver', api.child, api.log);
      if (readyAs)
        await waitFor(
          () => status(`${server}${readyAs.path}`, `${readyAs.user}-token`).then((s) => s === 200),
          'RBAC',
          api.child,
          api.log,
        );
    },
    async stop() {
      await kill(api.child);
      await kill(etcd.child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A kubeconfig for a static-token user of a test control plane; returns its path. */
export function writeTokenKubeconfig(
  file: string,
  server: string,
  caFile: string,
  user: string,
  token: string,
): string {
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: test',
      `    cluster: { server: "${server}", certificate-authority: "${caFile}" }`,
      'users:',
      `  - name: ${user}`,
      `    user: { token: "${token}" }`,
      'contexts:',
      `  - name: ${user}@test`,
      `    context: { cluster: test, user: ${user} }`,
      `current-context: ${user}@test`,
      '',
    ].join('\n'),
  );
  return file;
}

/** The requests the API server completed, from its audit log (Metadata level). */
export function readAuditLog(file: string): AuditEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => e.stage === 'ResponseComplete');
}
