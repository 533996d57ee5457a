/**
 * Lines of a large text file in batches. `readline` costs a regular expression and an event per
 * line, which on a demo file of 3 million lines was a third of the whole plan; splitting 1 MiB
 * chunks with indexOf is several times faster. `\r\n` endings are accepted.
 */
import { createReadStream } from 'node:fs';

export async function* lineBatches(file: string): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      lines.push(stripCr(text.slice(start, nl)));
      start = nl + 1;
    }
    rest = text.slice(start);
    if (lines.length) yield lines;
  }
  if (rest) yield [stripCr(rest)];
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * A copy of `s` that does not keep the chunk it was cut from alive. Lines are slices of a 1 MiB
 * chunk, and V8 keeps the whole chunk for as long as any slice of it lives: a map keyed by series
 * text held one chunk per distinct series (3 GiB for a 2,000-container file, and most of the
 * run in garbage collection).
 */
export function ownString(s: string): string {
  return (' ' + s).slice(1);
}
