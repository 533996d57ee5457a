/**
 * How far V8 lets the heap grow past what survived the last full collection. On a machine with
 * this much memory V8 allows up to four times; a plan's render stage makes hundreds of MB of
 * short-lived YAML trees, so at 20,000 containers the process reached ~1.2 GiB while less than
 * 200 MB was live (forced collections per stage). Measured on that plan (peak RSS, main-thread GC
 * time in a CPU profile): V8's own 1,281 MiB / 8.9 s, 30 % 918 MiB / 14.0 s, 50 % 929 MiB / 10.3 s,
 * 60 % 956 MiB / 8.8 s, 100 % 1,029 MiB / 7.2 s. V8 reads the flag each time it sizes the heap, so
 * setting it at start-up takes effect; 0 leaves V8's own choice.
 */
import v8 from 'node:v8';

export const DEFAULT_HEAP_GROWING_PERCENT = 50;

export function tuneHeapGrowth(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TIDEMARK_HEAP_GROWING_PERCENT;
  const percent = raw === undefined || raw === '' ? DEFAULT_HEAP_GROWING_PERCENT : Number(raw);
  if (!Number.isInteger(percent) || percent < 0 || percent > 1000)
    throw new Error(`TIDEMARK_HEAP_GROWING_PERCENT must be an integer from 0 to 1000, not "${raw}"`);
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}
