/**
 * How Tidemark reaches an API server: from a kubeconfig (through @kubernetes/client-node, for
 * every auth plugin it knows) or from the pod's service account. The in-cluster path reads the
 * service-account files itself: client-node's generated API classes cost ~70 MiB resident once
 * loaded, which the long-running guardian cannot spare, and the projected token on disk is
 * rotated by the kubelet, so it is read again rather than kept for the life of the process.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestOptions } from 'node:https';
import { ConfigError } from '../../core/errors.js';
import { registerSecret } from '../../core/sanitize.js';
import type { KubernetesSourceConfig } from '../../config/types.js';

export interface Conn {
  server: URL;
  /** TLS and agent options; headers come from `headers()`. */
  options: RequestOptions;
  /** Authentication headers for the next request (a rotated token is picked up here). */
  headers(): Record<string, string>;
  user: string;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The kubelet refreshes a projected token well before it expires; a minute is client-go's rhythm. */
const TOKEN_RECHECK_MS = 60_000;

/**
 * `saRoot` (or TIDEMARK_SERVICE_ACCOUNT_ROOT) prefixes the service-account path, so tests and
 * bench:guardian run the exact in-cluster path outside a pod.
 */
export async function connect(cfg: KubernetesSourceConfig, saRoot?: string): Promise<Conn> {
  if ('inCluster' in cfg) return inCluster(saRoot ?? process.env.TIDEMARK_SERVICE_ACCOUNT_ROOT);
  if ('kubeconfig' in cfg) return fromKubeconfig(cfg.kubeconfig, cfg.context);
  throw new ConfigError('not a live cluster source', { field: 'kubernetes' });
}

function inCluster(saRoot = ''): Conn {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  if (!host)
    throw new ConfigError('kubernetes.inCluster: not running in a pod (KUBERNETES_SERVICE_HOST is unset)', {
      field: 'kubernetes.inCluster',
    });
  const dir = join(saRoot, SERVICE_ACCOUNT_DIR);
  const read = (name: string): string => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch (err) {
      throw new ConfigError(
        `cannot read the service account's ${name}: ${(err as NodeJS.ErrnoException).code}`,
        {
          file: join(dir, name),
          field: 'kubernetes.inCluster',
        },
      );
    }
  };
  const ca = read('ca.crt');
  let token = read('token').trim();
  registerSecret(token);
  let checkedAt = Date.now();
  let mtime = statSync(join(dir, 'token')).mtimeMs;
  const current = (): string => {
    if (Date.now() - checkedAt < TOKEN_RECHECK_MS) return token;
    checkedAt = Date.now();
    try {
      const m = statSync(join(dir, 'token')).mtimeMs;
      if (m !== mtime) {
        const next = readFileSync(join(dir, 'token'), 'utf8').trim();
        if (next) {
          registerSecret(next);
          token = next;
          mtime = m;
        }
      }
    } catch {
      // A rotation in progress (the kubelet swaps a symlink): keep the token we have.
    }
    return token;
  };
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    server: new URL(`https://${h}${port ? `:${port}` : ''}`),
    options: { ca },
    headers: () => ({ authorization: `Bearer ${current()}` }),
    user: 'in-cluster service account',
  };
}

async function fromKubeconfig(file: string, context?: string): Promise<Conn> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new ConfigError(`cannot read the kubeconfig: ${(err as Error).message.split('\n')[0]}`, { file });
  }
  if (context) {
    if (!kc.getContexts().some((c) => c.name === context))
      throw new ConfigError(`context "${context}" is not in the kubeconfig`, {
        file,
        field: 'kubernetes.context',
      });
    kc.setCurrentContext(context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster)
    throw new ConfigError('the kubeconfig has no current cluster', { field: 'kubernetes.context' });
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const headers = { ...((options.headers ?? {}) as Record<string, string>) };
  delete options.headers;
  const auth = headers.Authorization ?? headers.authorization;
  if (auth) registerSecret(auth.replace(/^Bearer /i, ''));
  return {
    server: new URL(cluster.server),
    options,
    headers: () => headers,
    user: kc.getCurrentUser()?.name ?? 'unknown',
  };
}
