/**
 * A real git remote for tests: bare repositories served over smart HTTP by `git http-backend`
 * behind a small Node server on 127.0.0.1 (test-infra.md §3.3). Clone, fetch and push go through
 * the real git transport; an optional token check mimics GitHub's HTTPS auth so tests can prove
 * a token is passed per command and never stored.
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface GitRemote {
  /** e.g. http://127.0.0.1:PORT — repositories live at `${url}/<owner>/<repo>.git`. */
  url: string;
  root: string;
  /** Every request seen: method, path, and whether it carried valid credentials. */
  requests: { method: string; path: string; authorized: boolean; service?: string }[];
  repoUrl(owner: string, repo: string): string;
  bareDir(owner: string, repo: string): string;
  /** Creates an empty bare repository (default branch main). */
  createRepo(owner: string, repo: string): string;
  /** Pushes made through the server (receive-pack POSTs). */
  pushCount(): number;
  close(): Promise<void>;
}

export interface GitRemoteOptions {
  /** When set, every request must carry HTTP basic auth with this token as the password. */
  token?: string;
}

export async function startGitRemote(opts: GitRemoteOptions = {}): Promise<GitRemote> {
  const root = mkdtempSync(join(tmpdir(), 'tidemark-git-remote-'));
  const requests: GitRemote['requests'] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorized = isAuthorized(req, opts.token);
    const service =
      url.searchParams.get('service') ??
      (url.pathname.endsWith('git-receive-pack')
        ? 'git-receive-pack'
        : url.pathname.endsWith('git-upload-pack')
          ? 'git-upload-pack'
          : undefined);
    requests.push({ method: req.method ?? 'GET', path: url.pathname, authorized, service });
    if (opts.token && !authorized) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="tidemark-test"' });
      res.end('authentication required\n');
      return;
    }
    serveGit(root, req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    root,
    requests,
    repoUrl: (owner, repo) => `${base}/${owner}/${repo}.git`,
    bareDir: (owner, repo) => join(root, owner, `${repo}.git`),
    createRepo(owner, repo) {
      const dir = join(root, owner, `${repo}.git`);
      mkdirSync(join(root, owner), { recursive: true });
      if (!existsSync(dir)) execFileSync('git', ['init', '-q', '--bare', '-b', 'main', dir]);
      return dir;
    },
    pushCount: () =>
      requests.filter(
        (r) => r.method === 'POST' && r.service === 'git-receive-pack' && r.authorized !== false,
      ).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => {
          rmSync(root, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

function isAuthorized(req: IncomingMessage, token?: string): boolean {
  if (!token) return true;
  const header = req.headers.authorization ?? '';
  if (header.startsWith('Basic ')) {
    const [, password] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
    return password === token;
  }
  if (header.startsWith('Bearer ')) return header.slice(7) === token;
  return false;
}

function serveGit(root: string, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      // A REMOTE_USER enables receive-pack (push) without per-repo config.
      REMOTE_USER: 'tidemark-test',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-encoding']
        ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) }
        : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    },
  });
  req.pipe(child.stdin);
  let headerBuf = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    headerBuf = Buffer.concat([headerBuf, chunk]);
    const sep = headerBuf.indexOf('\r\n\r\n');
    if (sep < 0) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of headerBuf.subarray(0, sep).toString('utf8').split('\r\n')) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
      else headers[k] = v;
    }
    res.writeHead(status, headers);
    res.write(headerBuf.subarray(sep + 4));
  });
  child.stdout.on('end', () => res.end());
  child.on('error', () => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}
