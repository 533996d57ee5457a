/**
 * One run's end, as its own process: load the checkpoint in DIR, say "loaded", wait until the
 * file GO exists (so every process writes at the same moment), then write a checkpoint marked
 * with ID and print writeCheckpoint's answer as one JSON line.
 * Usage: tsx checkpoint-write-race.ts DIR GO ID
 */
import { existsSync } from 'node:fs';
import {
  encodeCheckpoint,
  loadCheckpoint,
  writeCheckpoint,
} from '../model/usage/checkpoint/checkpoint-file.js';
import { expected, header, nodes, state } from './checkpoint-fixture.js';

const [dir, go, id] = process.argv.slice(2) as [string, string, string];
const loaded = await loadCheckpoint(dir, expected);
const bytes = await encodeCheckpoint({ ...header, writtenAt: id }, state, nodes);
process.stdout.write(`loaded ${loaded.warm ? 'warm' : 'cold'}\n`);
while (!existsSync(go)) {
  // A busy wait of at most a few seconds: a timer's granularity would spread the writers apart.
}
process.stdout.write(`${JSON.stringify({ id, ...writeCheckpoint(dir, bytes, loaded) })}\n`);
