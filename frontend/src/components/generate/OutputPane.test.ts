import { describe, expect, it } from 'vitest'
import type { OutputItem } from '@/lib/types'
import { progressText, resultSummary } from './OutputPane'

const item = (params: Record<string, unknown>, over: Partial<OutputItem> = {}): OutputItem => ({
  id: 'o1',
  jobId: 'j1',
  path: '/out/a.png',
  provider: 'local',
  model: 'tiny',
  prompt: 'a cat',
  negativePrompt: '',
  seed: 1234,
  width: 64,
  height: 64,
  params,
  createdAt: '2026-11-27T00:00:00Z',
  exists: true,
  url: '/media/outputs/o1',
  thumbUrl: '/media/thumbs/o1',
  ...over,
})

describe('resultSummary', () => {
  it('reads the engine params', () => {
    expect(resultSummary(item({ sampler: 'euler_a', steps: 3, cfg_scale: 7, timings: { total_s: 0.42 } }))).toBe(
      'tiny · 64×64 · Euler a · 3 steps · CFG 7 · seed 1234 · 0.42 s',
    )
  })

  it('falls back to the A1111 parameters text and leaves out what is unknown', () => {
    const text = 'a cat\nSteps: 20, Sampler: DPM++ 2M, CFG scale: 5.5, Seed: 9, Size: 512x768, Model: sd15'
    expect(resultSummary(item({ parameters: text }, { model: '', width: 0, height: 0, seed: 9 }))).toBe(
      'sd15 · 512×768 · DPM++ 2M · 20 steps · CFG 5.5 · seed 9',
    )
    expect(resultSummary(item({}, { model: '' }))).toBe('64×64 · seed 1234')
  })
})

describe('progressText', () => {
  it('shows steps and the ETA', () => {
    expect(progressText({ step: 3, total: 20, etaSeconds: 11.6 } as never, 'running')).toBe('Step 3/20 · ETA 12 s')
    expect(progressText(undefined, 'queued')).toBe('Queued')
  })
})
