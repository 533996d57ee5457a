/** Money per month from cores and bytes at a price: the one formula every figure uses. */
import { HOURS_PER_MONTH } from '../../plan/savings.js';

const GiB = 2 ** 30;

export interface Price {
  cpuCoreHour: number;
  memoryGiBHour: number;
}

export function monthly(cpuCores: number, memoryBytes: number, p: Price): number {
  return (cpuCores * p.cpuCoreHour + (memoryBytes / GiB) * p.memoryGiBHour) * HOURS_PER_MONTH;
}
