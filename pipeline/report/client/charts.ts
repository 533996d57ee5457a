/**
 * The page's charts, drawn with Apache ECharts (only its core, the line chart, grid, tooltip and
 * legend, and the SVG renderer are bundled): the requested-cost trend in the header, and one
 * workload's use against its request over the window, drawn when the workload is opened.
 */
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { ReportData, WorkloadRow } from '../data.js';
import { bytes, cores, money } from '../format.js';
import { decodeSeries } from './load.js';

echarts.use([LineChart, GridComponent, TooltipComponent, LegendComponent, SVGRenderer]);

const GiB = 2 ** 30;

export function trendChart(el: HTMLElement, d: ReportData): void {
  if (d.trend.times.length < 2) {
    el.textContent = 'one day of data: no trend yet';
    el.classList.add('muted');
    return;
  }
  const chart = echarts.init(el, undefined, { renderer: 'svg' });
  chart.setOption({
    animation: false,
    grid: { left: 4, right: 4, top: 6, bottom: 18 },
    xAxis: {
      type: 'time',
      axisLabel: { fontSize: 10, color: '#667085', hideOverlap: true },
      axisLine: { show: false },
      axisTick: { show: false },
    },
    yAxis: { type: 'value', show: false, scale: true },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v: unknown) => `${money(Number(v), d.currency)}/mo requested`,
    },
    series: [
      {
        type: 'line',
        name: 'requested',
        showSymbol: false,
        areaStyle: { opacity: 0.12 },
        lineStyle: { width: 1.5 },
        data: d.trend.times.map((t, i) => [t * 1000, Math.round(d.trend.cost[i]! * 100) / 100]),
      },
    ],
  });
  window.addEventListener('resize', () => chart.resize());
}

let current: echarts.ECharts | undefined;

/** CPU and memory: the workload's total use, what it requests (per-pod request × pods), and the proposed request. */
export function usageChart(el: HTMLElement, w: WorkloadRow): void {
  current?.dispose();
  current = undefined;
  const s = w.series;
  if (!s) {
    el.textContent = 'No usage series for this workload (no metrics in the window).';
    return;
  }
  el.textContent = '';
  const times = decodeSeries(s.pods, s.podsMax).map((_, i) => (s.start + i * s.step) * 1000);
  const pods = decodeSeries(s.pods, s.podsMax);
  const cpu = decodeSeries(s.cpu, s.cpuCoresMax);
  const mem = decodeSeries(s.memory, s.memoryBytesMax);
  const proposedCpu = w.containers.reduce((a, c) => a + (c.proposedCpuCores ?? c.cpuCores), 0);
  const proposedMem = w.containers.reduce((a, c) => a + (c.proposedMemoryBytes ?? c.memoryBytes), 0);
  const changedCpu = Math.abs(proposedCpu - w.requests.cpuCores) > 1e-9;
  const changedMem = Math.abs(proposedMem - w.requests.memoryBytes) > 0.5;
  const line = (values: (number | null)[], scale = 1): [number, number | null][] =>
    values.map((v, i) => [times[i]!, v === null ? null : v * scale]);
  const times_pods = (perPod: number, scale = 1): [number, number | null][] =>
    pods.map((p, i) => [times[i]!, p === null ? null : p * perPod * scale]);
  const series: object[] = [
    {
      name: 'CPU used',
      type: 'line',
      xAxisIndex: 0,
      yAxisIndex: 0,
      showSymbol: false,
      areaStyle: { opacity: 0.15 },
      data: line(cpu),
    },
    {
      name: 'CPU requested',
      type: 'line',
      xAxisIndex: 0,
      yAxisIndex: 0,
      showSymbol: false,
      step: 'end',
      data: times_pods(w.requests.cpuCores),
    },
    {
      name: 'memory used',
      type: 'line',
      xAxisIndex: 1,
      yAxisIndex: 1,
      showSymbol: false,
      areaStyle: { opacity: 0.15 },
      data: line(mem, 1 / GiB),
    },
    {
      name: 'memory requested',
      type: 'line',
      xAxisIndex: 1,
      yAxisIndex: 1,
      showSymbol: false,
      step: 'end',
      data: times_pods(w.requests.memoryBytes, 1 / GiB),
    },
  ];
  if (changedCpu)
    series.push({
      name: 'CPU proposed',
      type: 'line',
      xAxisIndex: 0,
      yAxisIndex: 0,
      showSymbol: false,
      step: 'end',
      lineStyle: { type: 'dashed' },
      data: times_pods(proposedCpu),
    });
  if (changedMem)
    series.push({
      name: 'memory proposed',
      type: 'line',
      xAxisIndex: 1,
      yAxisIndex: 1,
      showSymbol: false,
      step: 'end',
      lineStyle: { type: 'dashed' },
      data: times_pods(proposedMem, 1 / GiB),
    });
  const chart = echarts.init(el, undefined, { renderer: 'svg' });
  chart.setOption({
    animation: false,
    color: ['#1f6feb', '#b42318', '#0e9384', '#b54708', '#7a5af8', '#c11574'],
    legend: { top: 0, textStyle: { fontSize: 11 } },
    tooltip: { trigger: 'axis' },
    grid: [
      // Room for the legend on two lines (five series do not fit one in the drill-down's width).
      { left: 56, right: 12, top: 58, height: '30%' },
      { left: 56, right: 12, bottom: 24, height: '30%' },
    ],
    xAxis: [
      { type: 'time', gridIndex: 0, axisLabel: { show: false } },
      { type: 'time', gridIndex: 1 },
    ],
    yAxis: [
      {
        type: 'value',
        gridIndex: 0,
        name: 'cores',
        nameTextStyle: { fontSize: 10 },
        axisLabel: { formatter: (v: number) => cores(v) },
      },
      {
        type: 'value',
        gridIndex: 1,
        name: 'GiB',
        nameTextStyle: { fontSize: 10 },
        axisLabel: { formatter: (v: number) => bytes(v * GiB) },
      },
    ],
    series,
  });
  current = chart;
}
