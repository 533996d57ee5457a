import { createProgress } from './progress.js';
import { createMemoryLogger } from '../../core/logger.js';

describe('collect/prometheus progress', () => {
  it('off a terminal, logs about twenty lines with done/total and an ETA, always the last', () => {
    const logger = createMemoryLogger('info');
    const p = createProgress('log', logger, 100);
    for (let i = 0; i < 100; i++) p.tick({ series: i * 10 });
    p.stop();
    const lines = logger.lines.map((l) => JSON.parse(l) as Record<string, number | string>);
    expect(lines).toHaveLength(20);
    expect(lines.every((l) => l.msg === 'metrics progress' && l.total === 100)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ done: 100, etaSeconds: 0, series: 990 });
    expect(typeof lines[0]!.etaSeconds).toBe('number');
  });

  it('says nothing when asked for none', () => {
    const logger = createMemoryLogger('info');
    const p = createProgress('none', logger, 5);
    for (let i = 0; i < 5; i++) p.tick({});
    expect(logger.lines).toHaveLength(0);
  });
});
