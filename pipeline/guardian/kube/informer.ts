/**
 * A watch-backed cache of one kind, restarted by us (client-node 1.4 does not): LIST once, then
 * WATCH from that resourceVersion with bookmarks; a stream that ends is resumed from the last
 * version seen, an error or a quiet stream is retried with capped exponential backoff (1 s
 * doubling to 30 s), and only a 410 Gone (the version is too old) lists again. Objects are
 * trimmed on arrival to what the guardian reads, so memory follows the fields used.
 */
import { backoffDelay, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { KubeApiError, type KubeApi, type WatchEvent } from './api.js';

interface Meta {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
}

export interface InformerStats {
  lists: number;
  /** Watches resumed after an error or a quiet stream (not after a normal server timeout). */
  restarts: number;
  /** LISTs after 410 Gone. */
  relists: number;
}

export class Informer<T extends Meta> {
  readonly cache = new Map<string, T>();
  readonly stats: InformerStats = { lists: 0, restarts: 0, relists: 0 };
  private rv = '';

  constructor(
    private readonly api: KubeApi,
    private readonly path: string,
    private readonly trim: (raw: unknown) => T,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onChange: (key: string) => void = () => {},
    private readonly idleMs = 90_000,
    private readonly pageSize = 500,
  ) {}

  static key(o: Meta): string {
    return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
  }

  /** Resolves once the first LIST filled the cache; the watch then runs until `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    await this.list();
    void this.run(signal);
  }

  /**
   * LIST in pages (one consistent snapshot through `continue`), each item trimmed as it streams
   * in: 50,000 full pods are half a gigabyte of JSON, never held at once.
   */
  private async list(): Promise<void> {
    const seen = new Set<string>();
    const sep = this.path.includes('?') ? '&' : '?';
    let token = '';
    let rv = '';
    this.stats.lists++;
    do {
      const page = await this.api.list(
        `${this.path}${sep}limit=${this.pageSize}${token ? `&continue=${encodeURIComponent(token)}` : ''}`,
        (raw) => {
          const o = this.trim(raw);
          const k = Informer.key(o);
          seen.add(k);
          const old = this.cache.get(k);
          this.cache.set(k, o);
          if (old?.metadata.resourceVersion !== o.metadata.resourceVersion) this.onChange(k);
        },
      );
      if (!page) throw new KubeApiError(404, 'NotFound', `LIST ${this.path}: not served`);
      token = page.continue ?? '';
      rv = page.resourceVersion;
    } while (token);
    for (const k of [...this.cache.keys()])
      if (!seen.has(k)) {
        this.cache.delete(k);
        this.onChange(k);
      }
    this.rv = rv;
  }

  private async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      try {
        if (!this.rv) {
          this.stats.relists++;
          await this.list();
        }
        const sep = this.path.includes('?') ? '&' : '?';
        await this.api.watch<unknown>(
          `${this.path}${sep}watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${this.rv}`,
          (e) => this.apply(e),
          signal,
          this.idleMs,
        );
        attempt = 0;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof KubeApiError && err.status === 410) {
          this.rv = '';
          continue;
        }
        this.stats.restarts++;
        const delay = backoffDelay(attempt++);
        this.logger.warn('watch failed; restarting', {
          path: this.path,
          error: (err as Error).message,
          delayMs: delay,
        });
        await this.clock.sleep(delay, signal).catch(() => undefined);
      }
    }
  }

  private apply(e: WatchEvent<unknown>): void {
    if (e.type === 'ERROR') {
      const code = (e.object as { code?: number }).code;
      // The stream ends after an ERROR; an expired version means LIST again.
      if (code === 410) this.rv = '';
      throw new KubeApiError(
        code ?? 0,
        'WatchError',
        `watch ${this.path}: ${(e.object as { message?: string }).message ?? 'error'}`,
      );
    }
    const rv = (e.object as Meta).metadata?.resourceVersion;
    if (e.type === 'BOOKMARK') {
      if (rv) this.rv = rv;
      return;
    }
    const o = this.trim(e.object);
    const k = Informer.key(o);
    if (e.type === 'DELETED') this.cache.delete(k);
    else this.cache.set(k, o);
    if (rv) this.rv = rv;
    this.onChange(k);
  }
}
