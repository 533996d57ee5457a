/**
 * A few worker threads that decode remote read answers (decode-batch.ts), so the main thread
 * keeps to HTTP and to folding the batches while the second core decodes: at 20,000 containers
 * decoding was ~9 s of the main thread's ~31 s on a warm run, with the other core mostly idle.
 *
 * One pool per source read, started lazily (a worker per batch in flight, up to the size) and
 * closed when the read ends. Idle workers are unref'd, so a read abandoned half way never keeps
 * the process alive; a worker that dies fails the batches it held with a SourceError, never a
 * hang. Where no worker entry exists beside this module (the action's one-file bundle), answers
 * are decoded on the main thread by the same code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { UsageRequest } from '../../types.js';
import type { CeilingIndex } from '../../sample-check.js';
import { decodeBatch, type DecodedBatch, type DecodeTask } from './decode-batch.js';
import { remoteReadError } from './frames.js';
import { reviveError, type WorkerInit, type WorkerReply, type WorkerTask } from './decode-protocol.js';

export interface DecodePool {
  /** Decodes one answer; `body` is handed over (its buffer is detached when a worker takes it). */
  decode(body: Uint8Array, task: DecodeTask): Promise<DecodedBatch>;
  /** Workers the pool may run (0: it decodes on the main thread). */
  readonly size: number;
  /** Stops every worker; decodes still pending fail. */
  close(): Promise<void>;
}

/**
 * Workers by default: one per core up to the batches in flight (more could not be busy). Zero
 * only when asked for (decoding on the main thread).
 */
export function decodeWorkerCount(concurrency: number, override?: number): number {
  if (override !== undefined) return Math.max(0, Math.floor(override));
  return Math.max(1, Math.min(availableParallelism(), Math.max(1, concurrency)));
}

/**
 * How to start a worker: from dist, the .js entry beside this module; from sources (jest, tsx),
 * a bootstrap that imports the .ts entry through tsx's API (tsx is a dev dependency, there
 * whenever sources run): Node 20 applies no --import loader to a worker's own entry.
 * Undefined where no entry exists (the action's one-file bundle).
 */
export function decodeWorkerEntry(): { script: URL | string; eval: boolean } | undefined {
  const ts = fileURLToPath(import.meta.url).endsWith('.ts');
  const entry = new URL(`./decode-worker.${ts ? 'ts' : 'js'}`, import.meta.url);
  if (!existsSync(entry)) return undefined;
  if (!ts) return { script: entry, eval: false };
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(pkg, 'utf8')) as TsxPackage).exports;
  const api = new URL(exports['./esm/api'].import.default, pathToFileURL(pkg)).href;
  const [a, e] = [JSON.stringify(api), JSON.stringify(entry.href)];
  return { script: `import(${a}).then((tsx) => tsx.tsImport(${e}, ${e}));`, eval: true };
}

interface TsxPackage {
  exports: { './esm/api': { import: { default: string } } };
}

/** Decode workers running in this process, all pools together (tests check none outlives a read). */
let live = 0;
export function liveDecodeWorkers(): number {
  return live;
}

interface Pending {
  resolve(r: DecodedBatch): void;
  reject(e: Error): void;
  task: DecodeTask;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  dead: boolean;
}

export function createDecodePool(
  size: number,
  request: Pick<UsageRequest, 'containers' | 'ceiling'>,
  ceilings: CeilingIndex,
): DecodePool {
  const entry = size > 0 ? decodeWorkerEntry() : undefined;
  if (!entry)
    return {
      size: 0,
      decode: (body, task) => decodeBatch(body, task, ceilings),
      close: async () => {},
    };
  const init: WorkerInit = {
    containers: request.containers
      .filter((c) => c.ceiling)
      .map(({ namespace, pod, container, ceiling }) => ({ namespace, pod, container, ceiling })),
    ceiling: request.ceiling,
  };
  const slots: Slot[] = [];
  let nextId = 0;
  let closed = false;

  const fail = (slot: Slot, why: string): void => {
    if (slot.dead) return;
    slot.dead = true;
    slots.splice(slots.indexOf(slot), 1);
    for (const [, p] of slot.pending)
      p.reject(remoteReadError(p.task.url, `the worker decoding ${p.task.what} ${why}`));
    slot.pending.clear();
  };

  const start = (): Slot => {
    const worker = new Worker(entry.script, {
      eval: entry.eval,
      workerData: init,
      // From sources, none of the parent's loader flags: the bootstrap brings its own.
      ...(entry.eval ? { execArgv: [] } : {}),
    });
    const slot: Slot = { worker, pending: new Map(), dead: false };
    live++;
    worker.unref();
    worker.on('message', (m: WorkerReply) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      if (!slot.pending.size) worker.unref();
      if ('error' in m) p.reject(reviveError(m.error));
      else p.resolve(m.result);
    });
    worker.on('error', (err) => fail(slot, `failed: ${err.message}`));
    worker.on('exit', (code) => {
      live--;
      fail(slot, closed ? 'was stopped' : `exited (code ${code})`);
    });
    slots.push(slot);
    return slot;
  };

  return {
    size,
    decode(body, task) {
      if (closed) return Promise.reject(new Error('the remote read decode pool is closed'));
      // The least busy worker; a new one while the pool is not full and every worker is busy.
      let slot = slots.reduce<Slot | undefined>(
        (best, s) => (!best || s.pending.size < best.pending.size ? s : best),
        undefined,
      );
      if (!slot || (slot.pending.size > 0 && slots.length < size)) slot = start();
      const s = slot;
      const id = nextId++;
      return new Promise<DecodedBatch>((resolve, reject) => {
        s.pending.set(id, { resolve, reject, task });
        if (s.pending.size === 1) s.worker.ref();
        // The bytes are moved, not copied: a view of part of a buffer is copied out first.
        const whole = ownsBuffer(body) ? (body.buffer as ArrayBuffer) : new Uint8Array(body).buffer;
        const msg: WorkerTask = { id, task, body: whole };
        s.worker.postMessage(msg, [whole]);
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

/** The view spans its whole buffer, a plain ArrayBuffer (not shared, not a Buffer pool's slab). */
function ownsBuffer(b: Uint8Array): boolean {
  return (
    b.byteOffset === 0 &&
    b.byteLength === b.buffer.byteLength &&
    // Not instanceof: Buffers made by Node's own code live in another realm under jest.
    Object.prototype.toString.call(b.buffer) === '[object ArrayBuffer]'
  );
}
