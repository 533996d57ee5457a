import { jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, SERVICE_ACCOUNT_DIR } from './connect.js';
import { ConfigError } from '../../core/errors.js';
import { sanitizeText } from '../../core/sanitize.js';

describe('connect, in cluster', () => {
  const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tidemark-sa-'));
    dir = join(root, SERVICE_ACCOUNT_DIR);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nnot checked here\n');
    writeFileSync(join(dir, 'token'), 'first-token-abcdef\n');
    process.env.KUBERNETES_SERVICE_HOST = 'fd00::1';
    process.env.KUBERNETES_SERVICE_PORT = '6443';
  });
  afterEach(() => {
    jest.useRealTimers();
    for (const [k, v] of [
      ['KUBERNETES_SERVICE_HOST', saved.host],
      ['KUBERNETES_SERVICE_PORT', saved.port],
    ] as const)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  it('reads the service account without client-node, and picks up a rotated token', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-01T00:00:00Z'), doNotFake: ['setTimeout', 'setImmediate'] });
    const conn = await connect({ inCluster: true }, root);
    expect(conn.server.href).toBe('https://[fd00::1]:6443/');
    expect(conn.options.ca).toContain('not checked here');
    expect(conn.headers()).toEqual({ authorization: 'Bearer first-token-abcdef' });
    expect(sanitizeText('sent first-token-abcdef')).not.toContain('first-token');

    writeFileSync(join(dir, 'token'), 'second-token-123456\n');
    utimesSync(join(dir, 'token'), new Date('2026-12-01T00:00:30Z'), new Date('2026-12-01T00:00:30Z'));
    jest.setSystemTime(new Date('2026-12-01T00:00:30Z'));
    expect(conn.headers().authorization).toBe('Bearer first-token-abcdef'); // checked once a minute
    jest.setSystemTime(new Date('2026-12-01T00:01:01Z'));
    expect(conn.headers().authorization).toBe('Bearer second-token-123456');
    expect(sanitizeText('sent second-token-123456')).not.toContain('second-token');
  });

  it('a missing token is a config error naming the file', async () => {
    const err = await connect({ inCluster: true }, join(root, 'nowhere')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as ConfigError).message)).toMatch(/ca\.crt: ENOENT/);
    expect((err as ConfigError).context.file).toBe(join(root, 'nowhere', SERVICE_ACCOUNT_DIR, 'ca.crt'));
  });

  it('outside a pod it says so', async () => {
    delete process.env.KUBERNETES_SERVICE_HOST;
    await expect(connect({ inCluster: true }, root)).rejects.toThrow(/KUBERNETES_SERVICE_HOST is unset/);
  });
});
