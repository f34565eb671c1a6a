import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { TooltipProvider } from '@/components/ui/tooltip'
import { BackendError } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import type { StatsSummary } from '@/lib/types'
import { api, backend, emit } from '@/test/fake-api'
import { makeSpread, makeStats } from '@/test/fixtures'
import { formatPercent, formatSeconds, StatsPage } from './StatsPage'
import { niceMax } from '@/components/stats/charts'

const GIB = 1024 ** 3

// The numbers of the Go test's fixture (backend/stats/stats_test.go).
const SUMMARY: StatsSummary = makeStats({
  jobs: 13,
  images: 14,
  outcomes: { done: 9, failed: 2, cancelled: 2, successRate: 9 / 11 },
  timeline: {
    start: '2025-06-10T06:00:00Z',
    bucketSeconds: 3600,
    buckets: [
      { start: '2025-06-10T06:00:00Z', done: 0, failed: 0, cancelled: 0 },
      { start: '2025-06-10T07:00:00Z', done: 1, failed: 0, cancelled: 0 },
      { start: '2025-06-10T11:00:00Z', done: 1, failed: 2, cancelled: 2 },
    ],
  },
  imageSeconds: {
    overall: makeSpread('all', { count: 9, min: 4, p25: 6, median: 10, p75: 15, max: 25, mean: 11.7 }),
    byModel: [
      makeSpread('sd15', { count: 4, min: 10, p25: 13.75, median: 17.5, p75: 21.25, max: 25, mean: 17.5 }),
      makeSpread('sdxl', { count: 3, min: 4, p25: 5, median: 6, p75: 8.5, max: 11, mean: 7 }),
    ],
    bySize: [makeSpread('1024×1024', { count: 5, min: 4, p25: 6, median: 6, p75: 8, max: 11, mean: 7 })],
    byDevice: [makeSpread('cuda', { count: 3, min: 4, p25: 5, median: 6, p75: 8.5, max: 11, mean: 7 })],
  },
  responseSeconds: [makeSpread('openai', { count: 2, min: 8, p25: 9, median: 10, p75: 11, max: 12, mean: 10 })],
  resources: [
    {
      device: 'cpu',
      peakRamBytes: makeSpread('ram', { count: 3, min: 2 * GIB, p25: 2.5 * GIB, median: 3 * GIB, p75: 3.5 * GIB, max: 4 * GIB, mean: 3 * GIB }),
      peakVramBytes: makeSpread('vram'),
      cpuCores: makeSpread('cpu', { count: 3, min: 3, p25: 3.5, median: 4, p75: 6, max: 8, mean: 5 }),
    },
  ],
})

async function renderPage(summary: StatsSummary = SUMMARY) {
  backend.stats = summary
  render(
    <TooltipProvider>
      <StatsPage />
    </TooltipProvider>,
  )
  await screen.findByTestId('page-stats')
}

const boxLabels = (root: HTMLElement) => within(root).queryAllByTestId('box-row').map((r) => r.getAttribute('data-label'))

function clickTab(el: HTMLElement) {
  fireEvent.mouseDown(el)
  fireEvent.click(el)
}

describe('formatting', () => {
  it('reads like a person wrote it', () => {
    expect(formatSeconds(0.842)).toBe('0.84 s')
    expect(formatSeconds(7.25)).toBe('7.3 s')
    expect(formatSeconds(12.5)).toBe('13 s')
    expect(formatSeconds(185)).toBe('3 m 05 s')
    expect(formatSeconds(Number.NaN)).toBe('—')
    expect(formatPercent(9 / 11)).toBe('81.8%')
    expect(formatPercent(1)).toBe('100%')
    expect(niceMax(23)).toBe(25)
    expect(niceMax(0.3)).toBeCloseTo(0.5)
    expect(niceMax(4 * GIB)).toBe(5e9)
    expect(niceMax(0)).toBe(1)
  })
})

describe('StatsPage', () => {
  it('shows the headline numbers', async () => {
    await renderPage()
    expect(await screen.findByTestId('kpi-images-value')).toHaveTextContent('14')
    expect(screen.getByTestId('kpi-images')).toHaveTextContent('from 13 jobs')
    expect(screen.getByTestId('kpi-median-value')).toHaveTextContent('10 s')
    expect(screen.getByTestId('kpi-median')).toHaveTextContent('middle half 6.0 s – 15 s')
    expect(screen.getByTestId('kpi-success-value')).toHaveTextContent('81.8%')
    expect(screen.getByTestId('kpi-success')).toHaveTextContent('9 done')
    expect(screen.getByTestId('kpi-success')).toHaveTextContent('2 failed')
    expect(screen.getByTestId('kpi-ram-value')).toHaveTextContent('4.0 GB')
    expect(api.getStats).toHaveBeenCalledWith(24 * 7)
  })

  it('draws a box per group and switches the grouping', async () => {
    await renderPage()
    const card = await screen.findByTestId('stats-image-time')
    expect(boxLabels(card)).toEqual(['sd15', 'sdxl'])
    expect(within(card).getAllByTestId('box-median').map((m) => m.textContent)).toEqual(['18 s', '6.0 s'])
    clickTab(within(card).getByRole('tab', { name: 'Size' }))
    expect(boxLabels(card)).toEqual(['1024×1024'])
    clickTab(within(card).getByRole('tab', { name: 'Device' }))
    expect(boxLabels(card)).toEqual(['cuda'])
  })

  it('places the box between the quartiles on a shared axis', async () => {
    await renderPage()
    const card = await screen.findByTestId('stats-image-time')
    // sd15: p25 13.75 and p75 21.25 on an axis to niceMax(25) = 25.
    const rect = within(card).getAllByTestId('box-row')[0]!.querySelector('rect')!
    expect(rect.getAttribute('x')).toBe('55%')
    expect(Number.parseFloat(rect.getAttribute('width')!)).toBeCloseTo(30)
  })

  it('shows cloud response times, engine resources and the timeline', async () => {
    await renderPage()
    expect(boxLabels(await screen.findByTestId('stats-response'))).toEqual(['openai'])
    const cpu = screen.getByTestId('resource-device')
    expect(cpu).toHaveAttribute('data-device', 'cpu')
    // VRAM was not measured on the CPU, so only RAM and CPU rows show.
    expect(boxLabels(cpu)).toEqual(['Peak RAM', 'CPU'])
    expect(within(cpu).getAllByTestId('box-median').map((m) => m.textContent)).toEqual(['3.0 GB', '4.0 cores'])
    expect(screen.getAllByTestId('timeline-bar')).toHaveLength(3)
  })

  it('loads another range when one is picked', async () => {
    await renderPage()
    await screen.findByTestId('kpi-images')
    clickTab(screen.getByRole('tab', { name: '24 hours' }))
    await waitFor(() => expect(api.getStats).toHaveBeenLastCalledWith(24))
    clickTab(screen.getByRole('tab', { name: 'All time' }))
    await waitFor(() => expect(api.getStats).toHaveBeenLastCalledWith(0))
  })

  it('says so when nothing finished, and offers all time', async () => {
    await renderPage(makeStats())
    const empty = await screen.findByTestId('stats-empty')
    expect(empty).toHaveTextContent('No finished jobs in this range')
    fireEvent.click(within(empty).getByRole('button', { name: /Show all time/ }))
    await waitFor(() => expect(api.getStats).toHaveBeenLastCalledWith(0))
  })

  it('notes what was not measured', async () => {
    await renderPage(makeStats({ jobs: 1, images: 1, outcomes: { done: 1, failed: 0, cancelled: 0, successRate: 1 } }))
    expect(await screen.findByTestId('stats-resources')).toHaveTextContent('No local jobs with resource measurements')
    expect(screen.getByTestId('stats-response')).toHaveTextContent('No cloud jobs finished')
    expect(screen.getByTestId('kpi-ram-value')).toHaveTextContent('—')
    expect(screen.getByTestId('kpi-success-value')).toHaveTextContent('100%')
  })

  it('shows a load error', async () => {
    api.getStats.mockRejectedValueOnce(new BackendError('database is locked'))
    await renderPage()
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load stats: database is locked')
  })

  it('reloads when a job finishes', async () => {
    await renderPage()
    await screen.findByTestId('kpi-images')
    const calls = api.getStats.mock.calls.length
    backend.stats = { ...SUMMARY, images: 15 }
    act(() => emit(EVENTS.jobsChanged, { id: 'j', state: 'running' }))
    act(() => emit(EVENTS.jobsChanged, { id: 'j', state: 'done' }))
    await waitFor(() => expect(screen.getByTestId('kpi-images-value')).toHaveTextContent('15'), { timeout: 3000 })
    expect(api.getStats.mock.calls.length).toBe(calls + 1)
  })
})
