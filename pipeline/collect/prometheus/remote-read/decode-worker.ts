/**
 * A remote read decode worker (decode-pool.ts starts it): takes a batch's answer bytes and its
 * DecodeTask, posts back the batch's series with their arrays transferred, or the error, typed.
 * It gets no headers and no credentials: only bytes, the endpoint's URL and the ceilings.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ceilingIndex } from '../../sample-check.js';
import { decodeBatch } from './decode-batch.js';
import {
  serializeError,
  transferablesOf,
  type WorkerInit,
  type WorkerReply,
  type WorkerTask,
} from './decode-protocol.js';

const init = workerData as WorkerInit;
const ceilings = ceilingIndex({
  window: { start: 0, end: 0, step: 1 },
  containers: init.containers,
  ceiling: init.ceiling,
});

parentPort!.on('message', (m: WorkerTask) => {
  decodeBatch(new Uint8Array(m.body), m.task, ceilings).then(
    (result) => {
      const reply: WorkerReply = { id: m.id, result };
      parentPort!.postMessage(reply, transferablesOf(result.series));
    },
    (err: unknown) => {
      const reply: WorkerReply = { id: m.id, error: serializeError(err) };
      parentPort!.postMessage(reply);
    },
  );
});
