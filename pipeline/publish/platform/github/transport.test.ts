import { createServer, type Server, type Socket } from 'node:net';
import { createMemoryLogger } from '../../../core/logger.js';
import { freePort } from '../../../testing/ports.js';
import { createGitHubPlatform } from './platform.js';
import { resolveAuth } from './auth.js';
import { GitHubUnreachableError } from './transport.js';

/** A real socket that accepts every connection, reads the request and never says a word. */
async function silentServer(): Promise<{ port: number; requests: () => number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  let requests = 0;
  const server: Server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.on('data', (d) => (requests += (String(d).match(/^(GET|POST|PATCH|PUT|DELETE) \//gm) ?? []).length));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    requests: () => requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A real HTTP server that answers the repository with headers, then stalls the body. */
async function stallingServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.once('data', () =>
      s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"default_'),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function platformAt(port: number, timeoutMs: number) {
  return createGitHubPlatform({
    owner: 'acme',
    repo: 'gitops',
    baseUrl: `http://127.0.0.1:${port}`,
    token: 'ghp_transporttesttoken0123456789',
    logger: createMemoryLogger('debug'),
    retries: 4,
    writeSpacingMs: 0,
    retryAfterUnitMs: 10,
    timeoutMs,
  });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('publish/platform/github/transport', () => {
  it('reports a host that accepts and never answers as unreachable, with host and timeout, asked once', async () => {
    const silent = await silentServer();
    try {
      const err = await failure(platformAt(silent.port, 300).getRepo());
      expect(err).toBeInstanceOf(GitHubUnreachableError);
      expect(err.message).toBe(
        `GitHub API at 127.0.0.1:${silent.port} unreachable: no answer within 0.3 s (GET /repos/acme/gitops)`,
      );
      // (word-bounded: the random port may contain the digits 500)
      expect(err.message).not.toMatch(/HTTP|\b500\b/);
      // Waiting again on a silent host only multiplies the wait: asked once, no retries.
      expect(silent.requests()).toBe(1);
    } finally {
      await silent.close();
    }
  });

  it('reports a refused connection as unreachable, naming the refusal, without retrying', async () => {
    const port = await freePort(); // released at once: nothing listens there
    const err = await failure(platformAt(port, 5000).listOpenPulls());
    expect(err).toBeInstanceOf(GitHubUnreachableError);
    expect(err.message).toBe(
      `GitHub API at 127.0.0.1:${port} unreachable: connection refused (ECONNREFUSED) (GET /repos/acme/gitops/pulls)`,
    );
    expect((err as GitHubUnreachableError).timeoutMs).toBe(5000);
  });

  it('gives up on an answer whose body stalls, within the same timeout', async () => {
    const stalling = await stallingServer();
    try {
      const err = await failure(platformAt(stalling.port, 300).getRepo());
      expect(err).toBeInstanceOf(GitHubUnreachableError);
      expect(err.message).toMatch(/unreachable: no answer within 0\.3 s/);
    } finally {
      await stalling.close();
    }
  });

  it('reports an unreachable host during GitHub App authentication the same way, not as an auth failure', async () => {
    const silent = await silentServer();
    try {
      const { generateKeyPairSync } = await import('node:crypto');
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const err = await failure(
        resolveAuth(
          { app: {} },
          {
            owner: 'acme',
            repo: 'gitops',
            baseUrl: `http://127.0.0.1:${silent.port}`,
            env: {
              TIDEMARK_APP_ID: '1',
              TIDEMARK_APP_PRIVATE_KEY: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
            },
            now: () => Date.now(),
            timeoutMs: 300,
          },
        ),
      );
      expect(err).toBeInstanceOf(GitHubUnreachableError);
      expect(err.message).toMatch(
        new RegExp(`^GitHub API at 127\\.0\\.0\\.1:${silent.port} unreachable: no answer within 0\\.3 s`),
      );
    } finally {
      await silent.close();
    }
  });
});
