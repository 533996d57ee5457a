/**
 * JSON.stringify(value, null, 2), produced piece by piece. A 20,000-container plan.json is ~70 MB
 * of text: built as one string and then encoded for writing, it held ~300 MB at the very end of a
 * run (bench:scale, peak RSS after render 610 MiB → 911 MiB). Containers are opened down to
 * `depth` levels, and further wherever an element is still large (a scale-down report is 18 MB
 * one level below the workloads), so each piece is a small element stringified on its own.
 */
export function* prettyJsonChunks(value: unknown, depth = 4, indent = ''): Generator<string> {
  const v = toJsonValue(value);
  if (v === null || typeof v !== 'object' || (depth <= 0 && isSmall(v))) {
    yield JSON.stringify(v, null, 2).replace(/\n/g, `\n${indent}`);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (!v.length) {
      yield '[]';
      return;
    }
    yield '[\n';
    for (let i = 0; i < v.length; i++) {
      yield inner;
      // JSON.stringify writes undefined, functions and symbols in arrays as null.
      const el = toJsonValue(v[i]);
      yield* prettyJsonChunks(isOmitted(el) ? null : el, depth - 1, inner);
      yield i < v.length - 1 ? ',\n' : '\n';
    }
    yield `${indent}]`;
    return;
  }
  const entries = Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => [k, toJsonValue(x)] as const)
    .filter(([, x]) => !isOmitted(x));
  if (!entries.length) {
    yield '{}';
    return;
  }
  yield '{\n';
  for (let i = 0; i < entries.length; i++) {
    const [k, x] = entries[i]!;
    yield `${inner}${JSON.stringify(k)}: `;
    yield* prettyJsonChunks(x, depth - 1, inner);
    yield i < entries.length - 1 ? ',\n' : '\n';
  }
  yield `${indent}}`;
}

function toJsonValue(x: unknown): unknown {
  if (x !== null && typeof x === 'object' && typeof (x as { toJSON?: unknown }).toJSON === 'function')
    return (x as { toJSON: () => unknown }).toJSON();
  return x;
}

function isOmitted(x: unknown): boolean {
  return x === undefined || typeof x === 'function' || typeof x === 'symbol';
}

/** Values (containers and leaves) a piece may hold: large enough that pieces are few. */
const SMALL_NODES = 4096;

/** Whether `v` has at most SMALL_NODES values in it; stops counting as soon as it has more. */
function isSmall(v: unknown): boolean {
  let budget = SMALL_NODES;
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (--budget < 0) return false;
    if (x !== null && typeof x === 'object') {
      const values = Array.isArray(x) ? x : Object.values(x as Record<string, unknown>);
      if (values.length > budget) return false;
      for (const y of values) stack.push(y);
    }
  }
  return true;
}
