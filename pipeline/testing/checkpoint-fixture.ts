/**
 * A small checkpoint (one workload day, one node day) for the checkpoint file's tests and for the
 * processes its write-race test starts, so both sides agree on what a warm load expects.
 */
import type { CheckpointHeader, Expected } from '../model/usage/checkpoint/checkpoint-file.js';
import type { HistoryState } from '../model/usage/checkpoint/history-folder.js';
import type { NodeHistoryState } from '../model/usage/checkpoint/node-days.js';

const DAY = 86400;
export const window = { start: 20_000 * DAY, end: 20_014 * DAY + 3600, step: 300 };
export const expected: Expected = { cluster: 'prod', windowSeconds: 14 * DAY, window, digest: 'sig' };
export const header: CheckpointHeader = {
  cluster: 'prod',
  windowSeconds: 14 * DAY,
  step: 300,
  demandStep: 900,
  start: window.start,
  end: window.end - DAY,
  digest: 'sig',
  workloads: 1,
  containers: 1,
  nodes: 1,
  tierLabel: null,
  writtenAt: '2024-10-01T00:00:00Z',
  tidemarkVersion: 'test',
};
export const state: HistoryState = {
  end: header.end,
  workloads: new Map([['Deployment/shop/web', new Map([[20_005, Uint8Array.from([1, 2, 3])]])]]),
};
export const nodes: NodeHistoryState = {
  nodes: new Map([['node-a', new Map([[20_006, Uint8Array.from([4, 5])]])]]),
  reported: new Map([['0123456789abcdef', 20_007]]),
};
