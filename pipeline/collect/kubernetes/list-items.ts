/**
 * Splits a Kubernetes List response into its items as it streams in, so each item is parsed on
 * its own with JSON.parse: a 50,000-pod list is ~550 MB, past what one string can hold, and a
 * token-by-token JSON streamer decodes it at a few MB/s. This scanner only tracks strings and
 * nesting (structural characters are ASCII, so UTF-8 bytes need no decoding) and hands out the
 * bytes of each element of the top-level "items" array.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const COLON = 0x3a;

export class ListItemSplitter {
  private carry: Buffer = Buffer.alloc(0);
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Start of the current depth-1 string (a key candidate) in the current buffer. */
  private strStart = -1;
  private lastKey = '';
  private pendingKey = '';
  /** Depth of the elements of "items" (2) once inside it, else 0. */
  private itemsDepth = 0;
  /** Start of the element being read, relative to the current buffer. */
  private itemStart = -1;
  /** Start of the top-level "metadata" object while it is read. */
  private metaStart = -1;
  bytes = 0;
  /** The List's own metadata (resourceVersion, continue), as text, once read. */
  metadata: string | undefined;

  /** Feeds a chunk; returns the items completed in it, as text. */
  push(chunk: Buffer): string[] {
    this.bytes += chunk.length;
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const from = this.carry.length;
    const out: string[] = [];
    for (let i = from; i < buf.length; i++) {
      const c = buf[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.depth === 1 && this.strStart >= 0)
            this.pendingKey = buf.toString('utf8', this.strStart, i);
        }
        continue;
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          this.strStart = this.depth === 1 ? i + 1 : -1;
          break;
        case COLON:
          if (this.depth === 1) this.lastKey = this.pendingKey;
          break;
        case OPEN_OBJ:
        case OPEN_ARR:
          if (c === OPEN_ARR && this.depth === 1 && this.lastKey === 'items') this.itemsDepth = 2;
          else if (this.itemsDepth && this.depth === this.itemsDepth && c === OPEN_OBJ) this.itemStart = i;
          else if (c === OPEN_OBJ && this.depth === 1 && this.lastKey === 'metadata') this.metaStart = i;
          this.depth++;
          break;
        case CLOSE_OBJ:
        case CLOSE_ARR:
          this.depth--;
          if (this.itemsDepth && this.depth === this.itemsDepth && this.itemStart >= 0) {
            out.push(buf.toString('utf8', this.itemStart, i + 1));
            this.itemStart = -1;
          } else if (this.itemsDepth && this.depth === this.itemsDepth - 1) this.itemsDepth = 0;
          else if (this.depth === 1 && this.metaStart >= 0) {
            this.metadata = buf.toString('utf8', this.metaStart, i + 1);
            this.metaStart = -1;
          }
          break;
      }
    }
    // Keep only what an unfinished element (or key) still needs.
    const keepFrom =
      this.itemStart >= 0
        ? this.itemStart
        : this.metaStart >= 0
          ? this.metaStart
          : this.inString && this.strStart >= 0
            ? this.strStart - 1
            : buf.length;
    this.carry = keepFrom < buf.length ? Buffer.from(buf.subarray(keepFrom)) : Buffer.alloc(0);
    if (this.itemStart >= 0) this.itemStart -= keepFrom;
    if (this.metaStart >= 0) this.metaStart -= keepFrom;
    if (this.strStart >= 0) this.strStart -= keepFrom;
    return out;
  }

  /** True when the document ended where a List should (all brackets closed). */
  complete(): boolean {
    return this.depth === 0 && !this.inString && this.itemStart < 0;
  }
}
