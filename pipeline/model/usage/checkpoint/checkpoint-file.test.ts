import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  CHECKPOINT_FILE,
  encodeCheckpoint,
  loadCheckpoint,
  LOCK_FILE,
  writeCheckpoint,
  type Expected,
} from './checkpoint-file.js';
import { expected, header, nodes, state, window } from '../../../testing/checkpoint-fixture.js';

const DAY = 86400;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

describe('model/usage/checkpoint/checkpoint-file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tm-ckf-'));
    file = join(dir, CHECKPOINT_FILE);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = async (): Promise<void> => {
    expect(
      writeCheckpoint(dir, await encodeCheckpoint(header, state, nodes), await loadCheckpoint(dir, expected)),
    ).toEqual({
      written: true,
      bytes: expect.any(Number),
    });
  };

  it('reads back what it wrote', async () => {
    await write();
    const back = await loadCheckpoint(dir, expected);
    expect(back.warm).toBe(true);
    if (!back.warm) return;
    expect(back.header).toEqual(header);
    expect(back.state.end).toBe(header.end);
    expect([...back.state.workloads.get('Deployment/shop/web')!.get(20_005)!]).toEqual([1, 2, 3]);
    expect([...back.nodes.nodes.get('node-a')!.get(20_006)!]).toEqual([4, 5]);
    expect([...back.nodes.reported]).toEqual([['0123456789abcdef', 20_007]]);
  });

  it('writes the encoding as pieces, one after another, and says how many bytes', async () => {
    const pieces = await encodeCheckpoint(header, state, nodes);
    expect(pieces.length).toBeGreaterThan(1);
    const res = writeCheckpoint(dir, pieces, await loadCheckpoint(dir, expected));
    const joined = Buffer.concat(pieces);
    expect(res).toEqual({ written: true, bytes: joined.length });
    expect(readFileSync(file).equals(joined)).toBe(true);
    expect((await loadCheckpoint(dir, expected)).warm).toBe(true);
  });

  it('says why it cannot use a file, whatever the file holds, from one read off the main thread', async () => {
    const reason = async (e: Expected = expected): Promise<string> => {
      const r = await loadCheckpoint(dir, e);
      return r.warm ? 'warm' : r.reason;
    };
    expect(await reason()).toBe('no-checkpoint');
    await write();
    expect(await reason()).toBe('warm');
    expect(await reason({ ...expected, cluster: 'staging' })).toBe('other-cluster');
    const good = readFileSync(file);
    const mutate = (f: (b: Buffer) => Buffer): void => writeFileSync(file, f(Buffer.from(good)));
    mutate((b) => ((b[b.length - 3]! ^= 0xff), b));
    expect(await reason()).toBe('checksum');
    mutate((b) => (b.writeUInt16LE(3, 4), b));
    expect(await reason()).toBe('future-version');
    mutate((b) => b.subarray(0, 20));
    expect(await reason()).toBe('not-a-checkpoint');
    writeFileSync(file, 'not a checkpoint at all, some other program wrote this');
    expect(await reason()).toBe('not-a-checkpoint');
    // A payload that is not deflate, under a checksum that matches it: read, but not decodable.
    mutate((b) => {
      const head = b.readUInt32LE(40);
      const at = 40 + 4 + head + 4;
      b.fill(0xff, at, at + 16);
      createHash('sha256').update(b.subarray(40)).digest().copy(b, 8);
      return b;
    });
    const r = await loadCheckpoint(dir, expected);
    expect(r).toMatchObject({ warm: false, reason: 'unreadable' });
    expect(r.warm ? '' : r.message).toMatch(/passes its checksum but does not decode \(.+\)$/);
  });

  it('a format-1 checkpoint (no node slots) makes the run cold, and is replaced', async () => {
    await write();
    const b = readFileSync(file);
    b.writeUInt16LE(1, 4);
    writeFileSync(file, b);
    const r = await loadCheckpoint(dir, expected);
    expect(r).toMatchObject({ warm: false, reason: 'node-slots-missing', replaceable: true });
    expect(r.warm ? '' : r.message).toBe(
      `${file} is format 1, which holds no node slots (overcommit, hotspot forecast)`,
    );
    expect(writeCheckpoint(dir, await encodeCheckpoint(header, state, nodes), r)).toMatchObject({
      written: true,
    });
    expect((await loadCheckpoint(dir, expected)).warm).toBe(true);
  });

  it('says why it cannot use a checkpoint', async () => {
    expect(await loadCheckpoint(dir, expected)).toMatchObject({
      warm: false,
      reason: 'no-checkpoint',
      replaceable: true,
    });
    await write();
    const cases: [Partial<Expected>, string][] = [
      [{ windowSeconds: 7 * DAY }, 'window-changed'],
      [{ window: { ...window, step: 60 } }, 'step-changed'],
      [{ digest: 'other' }, 'digest-changed'],
      [{ cluster: 'staging' }, 'other-cluster'],
      [{ window: { ...window, start: header.end, end: header.end + 15 * DAY } }, 'older-than-window'],
      [{ window: { ...window, end: header.end - 300 } }, 'ends-after-now'],
      [{ tierLabel: 'tier' }, 'tier-label-changed'],
    ];
    for (const [change, reason] of cases)
      expect(await loadCheckpoint(dir, { ...expected, ...change })).toMatchObject({
        warm: false,
        reason,
        replaceable: true,
      });
  });

  it('a flipped byte fails the checksum; the next run replaces the file', async () => {
    await write();
    const b = readFileSync(file);
    b[b.length - 3]! ^= 0xff;
    writeFileSync(file, b);
    const r = await loadCheckpoint(dir, expected);
    expect(r).toMatchObject({ warm: false, reason: 'checksum', replaceable: true });
    expect(r.warm ? '' : r.message).toBe(`${file} fails its checksum (truncated or altered)`);
    expect(writeCheckpoint(dir, await encodeCheckpoint(header, state, nodes), r)).toMatchObject({
      written: true,
    });
    expect((await loadCheckpoint(dir, expected)).warm).toBe(true);
  });

  it("refuses a newer Tidemark's checkpoint with a clear message, and leaves it as it is", async () => {
    await write();
    const b = readFileSync(file);
    b.writeUInt16LE(3, 4);
    writeFileSync(file, b);
    const r = await loadCheckpoint(dir, expected);
    expect(r).toMatchObject({ warm: false, reason: 'future-version', replaceable: false });
    expect(r.warm ? '' : r.message).toBe(
      `${file} is format 3, written by a newer Tidemark (this one reads format 2): left as it is`,
    );
    expect(writeCheckpoint(dir, await encodeCheckpoint(header, state, nodes), r)).toMatchObject({
      written: false,
      reason: 'not-ours',
    });
    expect(readFileSync(file).equals(b)).toBe(true);
  });

  it('never replaces a file it did not write', async () => {
    writeFileSync(file, 'my notes\n');
    const r = await loadCheckpoint(dir, expected);
    expect(r).toMatchObject({ warm: false, reason: 'not-a-checkpoint', replaceable: false });
    expect(writeCheckpoint(dir, await encodeCheckpoint(header, state, nodes), r)).toMatchObject({
      written: false,
    });
    expect(readFileSync(file, 'utf8')).toBe('my notes\n');
  });

  it('of two runs that read the same checkpoint, the second write is refused and the first kept', async () => {
    await write();
    const a = await loadCheckpoint(dir, expected);
    const b = await loadCheckpoint(dir, expected);
    const first = await encodeCheckpoint({ ...header, writtenAt: 'a' }, state, nodes);
    expect(writeCheckpoint(dir, first, a)).toMatchObject({ written: true });
    expect(
      writeCheckpoint(dir, await encodeCheckpoint({ ...header, writtenAt: 'b' }, state, nodes), b),
    ).toMatchObject({
      written: false,
      reason: 'changed',
    });
    expect(readFileSync(file).equals(Buffer.concat(first))).toBe(true);
  });

  it('refuses to write while another run holds the lock, and removes only its own lock', async () => {
    const r = await loadCheckpoint(dir, expected);
    writeFileSync(join(dir, LOCK_FILE), '12345\n');
    expect(writeCheckpoint(dir, await encodeCheckpoint(header, state, nodes), r)).toMatchObject({
      written: false,
      reason: 'locked',
    });
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe('12345\n');
    expect((await loadCheckpoint(dir, expected)).warm).toBe(false);
  });

  it('of four processes writing at the same moment, one writes and the others are refused; the file is whole', async () => {
    await write();
    const go = join(dir, 'go');
    const runs = ['p1', 'p2', 'p3', 'p4'].map((id) => {
      const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [
        join(root, 'pipeline', 'testing', 'checkpoint-write-race.ts'),
        dir,
        go,
        id,
      ]);
      let out = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const loaded = new Promise<void>((resolve) => {
        const check = (): void => void (out.includes('loaded') && resolve());
        child.stdout.on('data', check);
      });
      const done = new Promise<string>((resolve, reject) =>
        child.on('close', (code) =>
          code === 0 ? resolve(out) : reject(new Error(`${id}: exit ${code}: ${err}`)),
        ),
      );
      return { loaded, done };
    });
    await Promise.all(runs.map((r) => r.loaded));
    writeFileSync(go, '');
    const outs = await Promise.all(runs.map((r) => r.done));
    expect(outs.every((o) => o.startsWith('loaded warm\n'))).toBe(true);
    const results = outs.map(
      (o) => JSON.parse(o.trim().split('\n').pop()!) as { id: string; written: boolean; reason?: string },
    );
    const winners = results.filter((r) => r.written);
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => !x.written)) expect(['locked', 'changed']).toContain(r.reason);
    const back = await loadCheckpoint(dir, expected);
    expect(back.warm).toBe(true);
    if (back.warm) expect(back.header.writtenAt).toBe(winners[0]!.id);
    // No lock and no temporary file left behind.
    expect(readdirSync(dir).sort()).toEqual(['go', CHECKPOINT_FILE]);
  });
});
