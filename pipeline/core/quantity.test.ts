import {
  parseCpu,
  parseMemory,
  formatCpu,
  formatMemory,
  roundCpuUp,
  roundMemoryUp,
  cpuStyleOf,
} from './quantity.js';

describe('core/quantity', () => {
  it.each([
    ['250m', 250],
    ['1', 1000],
    ['0.5', 500],
    [2, 2000],
    ['100u', 0.1],
  ])('parses cpu %p to %p millicores', (input, expected) => {
    expect(parseCpu(input)).toBeCloseTo(expected, 6);
  });

  it.each([
    ['1Gi', 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['1G', 1e9],
    ['128974848', 128974848],
    ['1e3', 1000],
  ])('parses memory %p', (input, expected) => {
    expect(parseMemory(input)).toBe(expected);
  });

  it('rejects garbage with the value in the message', () => {
    expect(() => parseCpu('lots')).toThrow('"lots"');
    expect(() => parseMemory('1 Gi')).toThrow('not a Kubernetes quantity');
  });

  it('formats cpu the way a human writes it, keeping a cores style', () => {
    expect(formatCpu(250)).toBe('250m');
    expect(formatCpu(1000)).toBe('1');
    expect(formatCpu(1500)).toBe('1500m');
    expect(formatCpu(1500, cpuStyleOf('2'))).toBe('1.5');
    expect(formatCpu(1505, cpuStyleOf('2'))).toBe('1505m');
    expect(formatCpu(1600, cpuStyleOf('2'))).toBe('1600m');
    expect(formatCpu(2000, cpuStyleOf('2400m'))).toBe('2000m');
    expect(formatCpu(2000, cpuStyleOf(undefined))).toBe('2');
  });

  it('formats memory as Gi when exact, otherwise whole Mi rounded up', () => {
    expect(formatMemory(2 ** 30)).toBe('1Gi');
    expect(formatMemory(300 * 2 ** 20)).toBe('300Mi');
    expect(formatMemory(300 * 2 ** 20 + 1)).toBe('301Mi');
    expect(formatMemory(2e9, 'G')).toBe('2G');
  });

  it('rounds up, never down', () => {
    expect(roundCpuUp(101)).toBe(105);
    expect(roundCpuUp(105)).toBe(105);
    expect(roundMemoryUp(2 ** 20 + 1)).toBe(2 * 2 ** 20);
  });
});
