/**
 * A run's incremental history: load the cluster's checkpoint, decide cold or warm (and why), fold
 * the interval read into the ring, and write the new checkpoint. One log line says which and why;
 * plan.json carries the same record.
 */
import { join } from 'node:path';
import type { Logger } from '../../../core/logger.js';
import { tidemarkVersion } from '../../../core/version.js';
import type { UsageWindow } from '../../../collect/types.js';
import type { WorkloadKey } from '../../types.js';
import { DEFAULT_DIGEST_OPTIONS, type DigestOptions } from '../container-digest.js';
import { digestSignature } from './day-codec.js';
import {
  CHECKPOINT_FILE,
  encodeCheckpoint,
  judgeCheckpoint,
  prefetchCheckpoint,
  type CheckpointPrefetch,
  writeCheckpoint,
  type ColdReason,
  type Loaded,
} from './checkpoint-file.js';
import type { NodeFoldHistory } from '../../node-usage/fold.js';
import type { NodeHistoryState } from './node-days.js';
import {
  createHistoryFolder,
  demandStepOf,
  historyUnsupported,
  historyWindow,
  type HistoryFolder,
} from './history-folder.js';

/** How much of the window's end a warm run reads again: each pod's last hour (podRecent). */
const RECENT_SECONDS = 3600;

export interface HistoryRecord {
  mode: 'cold' | 'warm';
  /** Why the run is cold (absent when warm). */
  reason?: ColdReason | 'unsupported-window';
  message: string;
  /** What was read from the metrics source (unix seconds, [start, end)). */
  read: { start: number; end: number };
  /** Folded from the checkpoint (a warm run): up to this time. */
  checkpointEnd?: number;
  checkpoint: {
    file: string;
    written: boolean;
    /** Why it was not written. */
    refused?: string;
    bytes?: number;
    workloads?: number;
    containers?: number;
    /** Nodes whose slots (the node fold: overcommit, hotspot forecast) it keeps. */
    nodes?: number;
  };
}

export interface UsageHistory {
  /** The window the run analyses (starting at a midnight). */
  window: UsageWindow;
  /** Where the metrics source is asked to start (UsageRequest.from). */
  readFrom: number;
  folder: HistoryFolder;
  /** The node fold's start: the checkpoint's node days and where new slots begin. */
  nodes: NodeFoldHistory;
  /** Writes the checkpoint (after both folds' finish()) and returns the record for plan.json. */
  /**
   * Writes the checkpoint. The ring is taken at once; deflating and writing finish in the
   * background, so the run's analysis goes on meanwhile: await it before reading `record()`.
   */
  commit(logger: Logger, nodes: NodeHistoryState): Promise<HistoryRecord>;
  record(): HistoryRecord;
}

export async function openUsageHistory(opts: {
  dir: string;
  cluster: string;
  windowSeconds: number;
  /** The run's window as the config gives it. */
  window: UsageWindow;
  keep: (workload: WorkloadKey) => boolean;
  /** The tier label the node fold classifies pods by. */
  tierLabel?: string;
  logger: Logger;
  /** Unix milliseconds, for the header's writtenAt. */
  now: number;
  /** The checkpoint file, read since the run began (startCheckpointPrefetch of `dir`). */
  prefetched?: CheckpointPrefetch;
  options?: DigestOptions;
}): Promise<UsageHistory> {
  const options = opts.options ?? DEFAULT_DIGEST_OPTIONS;
  const unsupported = historyUnsupported(opts.window);
  const window = unsupported ? opts.window : historyWindow(opts.window);
  const file = join(opts.dir, CHECKPOINT_FILE);
  const digest = digestSignature(options);
  const loaded: Loaded | undefined = unsupported
    ? undefined
    : judgeCheckpoint(await (opts.prefetched?.take() ?? prefetchCheckpoint(opts.dir)), opts.dir, {
        cluster: opts.cluster,
        windowSeconds: opts.windowSeconds,
        window,
        digest,
        ...(opts.tierLabel ? { tierLabel: opts.tierLabel } : {}),
      });
  const warm = loaded?.warm ? loaded : undefined;
  const from = warm ? warm.header.end : window.start;
  // The node fold reads the demand slot holding the checkpoint's end again, whole (fold.ts).
  const demandStep = unsupported ? window.step : demandStepOf(window);
  const slotStart = window.start + Math.floor((from - window.start) / demandStep) * demandStep;
  const readFrom = warm
    ? Math.max(window.start, Math.min(slotStart, window.end - RECENT_SECONDS))
    : window.start;
  const folder = createHistoryFolder({
    window,
    from,
    ...(warm ? { state: warm.state } : {}),
    keep: opts.keep,
    options,
  });
  // The folder copied the days it keeps: held here too, every old day (170 MB at 20,000
  // containers) would live to the end of the run.
  warm?.state.workloads.clear();
  const record: HistoryRecord = {
    mode: warm ? 'warm' : 'cold',
    ...(warm
      ? {}
      : { reason: unsupported ? 'unsupported-window' : loaded!.warm ? undefined : loaded!.reason }),
    message: warm
      ? `checkpoint of ${iso(warm.header.start)} – ${iso(warm.header.end)}: reading ${iso(from)} – ${iso(window.end)} only`
      : unsupported
        ? `no checkpoint: ${unsupported}`
        : `${loaded!.warm ? '' : loaded!.message}: reading the whole window`,
    read: { start: readFrom, end: window.end },
    ...(warm ? { checkpointEnd: from } : {}),
    checkpoint: { file, written: false },
  };
  opts.logger.info(warm ? 'usage history warm' : 'usage history cold', {
    reason: record.reason,
    detail: record.message,
  });
  return {
    window,
    readFrom,
    folder,
    nodes: warm ? { from, state: warm.nodes } : {},
    record: () => record,
    async commit(logger, nodes) {
      if (!loaded) {
        record.checkpoint.refused = unsupported;
        return record;
      }
      const state = folder.state();
      const containers = folder.containerCount();
      const workloads = state.workloads.size;
      const encoding = encodeCheckpoint(
        {
          cluster: opts.cluster,
          windowSeconds: opts.windowSeconds,
          step: window.step,
          demandStep: demandStepOf(window),
          start: window.start,
          end: window.end,
          digest,
          workloads,
          containers,
          nodes: nodes.nodes.size,
          tierLabel: opts.tierLabel ?? null,
          writtenAt: new Date(opts.now).toISOString(),
          tidemarkVersion: tidemarkVersion(),
        },
        state,
        nodes,
      );
      // The ring was encoded before encodeCheckpoint first waited: its day records can go.
      folder.release();
      const bytes = await encoding;
      const res = writeCheckpoint(opts.dir, bytes, loaded);
      record.checkpoint = {
        file,
        written: res.written,
        ...(res.written ? { bytes: res.bytes } : { refused: res.message }),
        workloads,
        containers,
        nodes: nodes.nodes.size,
      };
      if (res.written)
        logger.info('checkpoint written', {
          file,
          bytes: res.bytes,
          workloads,
          containers,
          nodes: nodes.nodes.size,
        });
      else logger.warn('checkpoint not written', { reason: res.reason, detail: res.message });
      return record;
    },
  };
}

const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
