/**
 * Time budget for tests that run whole plans against real servers. CI machines were measured up
 * to twice as slow as a workstation (the demo suite: 77 s here, 161 s there), so a budget sized
 * on a workstation fails there for no reason; a hang still fails, only later.
 */
import { jest } from '@jest/globals';

export const SLOW_TEST_MS = 300_000;

/** Every test and hook of the calling file gets the slow budget unless it names its own. */
export function allowSlowTests(): void {
  jest.setTimeout(SLOW_TEST_MS);
}
