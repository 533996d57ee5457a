/**
 * What the main thread and a decode worker exchange, and how an error crosses: a structured
 * clone keeps an Error's message but not its class, code or context, so a TidemarkError travels
 * as its parts and is rebuilt as the same class with the same message on the main thread.
 */
import { SourceError, TidemarkError, type ErrorCode, type ErrorContext } from '../../../core/errors.js';
import type { RequestedContainer, SampleCeiling, UsageSeries } from '../../types.js';
import type { DecodedBatch, DecodeTask } from './decode-batch.js';

/** Sent once, as the worker's workerData: the read's ceilings (containers that have their own). */
export interface WorkerInit {
  containers: RequestedContainer[];
  ceiling?: SampleCeiling;
}

export interface WorkerTask {
  id: number;
  task: DecodeTask;
  /** The answer's bytes, transferred. */
  body: ArrayBuffer;
}

export type WorkerReply = { id: number; result: DecodedBatch } | { id: number; error: SerializedError };

export interface SerializedError {
  /** The class: SourceError, another TidemarkError, or anything else (a bug). */
  name: string;
  message: string;
  code?: ErrorCode;
  context?: ErrorContext;
  stack?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof TidemarkError)
    return {
      name: err instanceof SourceError ? 'SourceError' : 'TidemarkError',
      message: err.message,
      code: err.code,
      // Contexts hold strings (url, object, field); a copy through JSON keeps them cloneable.
      context: JSON.parse(JSON.stringify(err.context)) as ErrorContext,
      stack: err.stack,
    };
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, stack: e.stack };
}

/** The worker's error as the class it was thrown as, with the same message and context. */
export function reviveError(s: SerializedError): Error {
  let err: Error;
  if (s.name === 'SourceError' || s.name === 'TidemarkError') {
    // The message is already located (file: object: field: …): built with an empty context so
    // it is not prefixed twice, then given its context.
    err =
      s.name === 'SourceError'
        ? new SourceError(s.code as 'source-incomplete', s.message)
        : new TidemarkError(s.code ?? 'internal', s.message);
    Object.defineProperty(err, 'context', { value: s.context ?? {}, enumerable: true });
  } else {
    err = new Error(s.message);
    err.name = s.name;
  }
  if (s.stack) err.stack = `${s.stack}\n    (in a remote read decode worker)`;
  return err;
}

/** The series' arrays, each buffer once, to transfer rather than copy. */
export function transferablesOf(series: UsageSeries[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const s of series)
    for (const a of [s.cpuMean, s.cpuMax, s.memMax]) if (a.byteLength) out.add(a.buffer as ArrayBuffer);
  return [...out];
}
