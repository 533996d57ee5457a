/**
 * The live Kubernetes source, gentle by construction: one cluster-wide LIST per kind, served from
 * the API server's watch cache (resourceVersion=0), never per namespace or per object; bounded
 * concurrency; timeouts; 429 answered by waiting its Retry-After, 5xx and dropped connections by
 * backoff. Responses are split into items as they stream in (list-items.ts) and trimmed object
 * by object (trim.ts), so memory follows the model, not the wire.
 */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import pLimit from 'p-limit';
import { SourceError } from '../../core/errors.js';
import { backoffDelay } from '../../core/clock.js';
import { tidemarkVersion } from '../../core/version.js';
import { parseDuration } from '../../core/duration.js';
import { sanitizeText } from '../../core/sanitize.js';
import type { KubernetesSourceConfig } from '../../config/types.js';
import type { KubeObject, KubernetesInventory, KubernetesSource, SourceContext } from '../types.js';
import { INVENTORY, apiVersionOf, listPath, listQuery, type KindSpec } from './kinds.js';
import { trimObject } from './trim.js';
import { ListItemSplitter } from './list-items.js';
import { connect, type Conn } from './connect.js';

export const USER_AGENT = `tidemark/${tidemarkVersion()}`;
/** Marks a metadata-only LIST inside our own request path (stripped before sending). */
const METADATA_MARK = 'tidemark-metadata-only=1';

export interface LiveSourceOptions {
  /** Where the in-cluster service-account files live (tests; default the real path). */
  serviceAccountRoot?: string;
  retries?: number;
  /** Base of the exponential backoff (tests shorten it). */
  retryBaseMs?: number;
  /** Milliseconds per second of Retry-After (tests shorten it). */
  retryAfterUnitMs?: number;
}

export function createLiveKubernetesSource(
  cfg: KubernetesSourceConfig,
  opts: LiveSourceOptions = {},
): KubernetesSource {
  const concurrency = ('concurrency' in cfg && cfg.concurrency) || 4;
  const timeoutMs = ('timeout' in cfg && cfg.timeout ? parseDuration(cfg.timeout) : 60) * 1000;
  return {
    description:
      'inCluster' in cfg ? 'in-cluster API' : `kubeconfig ${'kubeconfig' in cfg ? cfg.kubeconfig : ''}`,
    async read(ctx: SourceContext): Promise<KubernetesInventory> {
      const conn = await connect(cfg, opts.serviceAccountRoot);
      const stats: NonNullable<KubernetesInventory['stats']> = {};
      const get = (path: string, onBody: (res: IncomingMessage) => Promise<unknown>): Promise<unknown> =>
        withRetries(() => once(conn, path, timeoutMs, onBody), opts, ctx, path);
      const json = (path: string): Promise<unknown> =>
        get(path, async (res) => {
          let text = '';
          for await (const chunk of res) text += String(chunk);
          return JSON.parse(text) as unknown;
        });

      const version = ((await json('/version')) as { gitVersion?: string }).gitVersion;
      const groups = (await json('/apis')) as {
        groups?: { name: string; versions: { groupVersion: string }[] }[];
      };
      const served = new Set((groups.groups ?? []).flatMap((g) => g.versions.map((v) => v.groupVersion)));
      const optional = INVENTORY.filter((k) => k.optional && served.has(apiVersionOf(k)));
      const installed: string[] = [];
      for (const k of optional) {
        const list = (await json(`/apis/${apiVersionOf(k)}`)) as { resources?: { name: string }[] };
        if (list.resources?.some((r) => r.name === k.resource)) installed.push(`${k.group}/${k.kind}`);
      }
      const kinds = INVENTORY.filter((k) => !k.optional || installed.includes(`${k.group}/${k.kind}`));
      const limit = pLimit(concurrency);
      const lists = await Promise.all(
        kinds.map((k) =>
          limit(async () => {
            const t0 = Date.now();
            const { objects, bytes } = await listKind(k, get);
            stats[k.kind] = { requests: 1, bytes, objects: objects.length };
            ctx.logger.debug('listed', { kind: k.kind, objects: objects.length, bytes, ms: Date.now() - t0 });
            return objects;
          }),
        ),
      );
      const objects = lists.flat();
      const apiService = objects.find(
        (o) => o.kind === 'APIService' && o.metadata.name === 'v1beta1.metrics.k8s.io',
      ) as { status?: { conditions?: { type: string; status: string }[] } } | undefined;
      const metricsApiAvailable = !!apiService?.status?.conditions?.some(
        (c) => c.type === 'Available' && c.status === 'True',
      );
      return { objects, facts: { version, metricsApiAvailable, installedKinds: installed }, stats };
    },
  };
}

/** One LIST of a kind across all namespaces, from the watch cache, decoded as a stream. */
async function listKind(
  k: KindSpec,
  get: (path: string, onBody: (res: IncomingMessage) => Promise<unknown>) => Promise<unknown>,
): Promise<{ objects: KubeObject[]; bytes: number }> {
  const apiVersion = apiVersionOf(k);
  const query = listQuery(k, METADATA_MARK);
  return (await get(`${listPath(k)}?${query}`, async (res) => {
    const objects: KubeObject[] = [];
    const splitter = new ListItemSplitter();
    for await (const chunk of res as AsyncIterable<Buffer>)
      for (const text of splitter.push(chunk))
        objects.push(trimObject(JSON.parse(text) as unknown, apiVersion, k.kind, k.keep));
    if (!splitter.complete()) throw new Error(`the ${k.resource} list ended early (connection cut?)`);
    const bytes = splitter.bytes;
    return { objects, bytes };
  })) as { objects: KubeObject[]; bytes: number };
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

function once(
  conn: Conn,
  path: string,
  timeoutMs: number,
  onBody: (res: IncomingMessage) => Promise<unknown>,
): Promise<unknown> {
  const url = new URL(path.replace(`&${METADATA_MARK}`, ''), conn.server);
  const req = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = req(
      url,
      {
        ...conn.options,
        method: 'GET',
        timeout: timeoutMs,
        headers: {
          ...conn.headers(),
          // Kinds of which only metadata is used come back as PartialObjectMetadataList: the API
          // server drops spec and status before they reach the wire.
          accept: path.includes(METADATA_MARK)
            ? 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json'
            : 'application/json',
          'user-agent': USER_AGENT,
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300) {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => {
            const ra = Number(res.headers['retry-after']);
            let msg = body;
            try {
              msg = (JSON.parse(body) as { message?: string }).message ?? body;
            } catch {
              /* not JSON */
            }
            reject(
              new HttpStatusError(
                status,
                Number.isFinite(ra) ? ra : undefined,
                sanitizeText(msg).slice(0, 300),
              ),
            );
          });
          return;
        }
        onBody(res).then(resolve, reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)));
    r.on('error', reject);
    r.end();
  });
}

async function withRetries<T>(
  fn: () => Promise<T>,
  opts: LiveSourceOptions,
  ctx: SourceContext,
  path: string,
): Promise<T> {
  const retries = opts.retries ?? 5;
  // An API server coming back from a restart answers before its RBAC caches are warm: after a
  // transport failure, a 401/403 is retried like any other transient answer.
  let recovering = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const e = err as Error & { code?: string };
      const status = err instanceof HttpStatusError ? err.status : undefined;
      if (status === undefined) recovering = true;
      const authFailure = status === 401 || status === 403;
      const transient =
        status === undefined || status === 429 || status >= 500 || (recovering && authFailure);
      if (authFailure && !(recovering && attempt < retries))
        throw new SourceError(
          'source-unavailable',
          `the API server refused GET ${path.split('?')[0]} (HTTP ${status}): ${e.message}; the ServiceAccount needs deploy/rbac/`,
          { object: 'kubernetes', field: 'kubernetes' },
        );
      if (!transient || attempt >= retries)
        throw new SourceError(
          'source-unavailable',
          `reading ${path.split('?')[0]} failed${attempt ? ` after ${attempt + 1} attempts` : ''}: ${status ? `HTTP ${status} ` : ''}${sanitizeText(e.message)}`,
          { object: 'kubernetes' },
          { cause: err },
        );
      const wait =
        err instanceof HttpStatusError && err.retryAfter !== undefined
          ? Math.min(60, err.retryAfter) * (opts.retryAfterUnitMs ?? 1000)
          : backoffDelay(attempt, opts.retryBaseMs ?? 500, 10_000);
      ctx.logger.warn('kubernetes request failed, retrying', {
        path: path.split('?')[0],
        status,
        attempt: attempt + 1,
        waitMs: wait,
      });
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
