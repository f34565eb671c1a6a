import { describe, expect, it } from 'vitest'
import { defaultForm, formFromParameters } from '@/lib/generate'
import { makeOutput, makeSettings } from '@/test/fixtures'
import { imageDetails, parseSettingsLine, toPNGParameters } from './details'

const A1111 = 'a fox\nNegative prompt: blurry\nSteps: 30, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 77, Size: 640x384, Model: "dream, v2", Clip skip: 2'

describe('parseSettingsLine', () => {
  it.each([
    ['', {}],
    ['just a prompt', {}],
    [A1111, { Steps: '30', Sampler: 'DPM++ 2M', 'Schedule type': 'Karras', 'CFG scale': '6.5', Seed: '77', Size: '640x384', Model: 'dream, v2', 'Clip skip': '2' }],
    ['Steps: 5, Bad: "unterminated', { Steps: '5', Bad: '"unterminated' }],
  ])('%j', (text, want) => {
    expect(parseSettingsLine(text)).toEqual(want)
  })
})

describe('imageDetails', () => {
  it('prefers the engine params and labels sampler and schedule', () => {
    const item = makeOutput(1, {
      params: { sampler: 'euler_a', scheduler: 'karras', steps: 12, cfg_scale: 7.5, clip_skip: 2, timings: { total_s: 3.25 }, parameters: A1111 },
    })
    const d = imageDetails(item)
    expect(d).toMatchObject({ sampler: 'Euler a', schedule: 'Karras', steps: 12, cfgScale: 7.5, clipSkip: 2, durationS: 3.25, path: '/out/1.png', model: 'dreamshaper_8', width: 512 })
  })

  it('falls back to the A1111 text when params lack a field', () => {
    const d = imageDetails(makeOutput(2, { model: '', width: 0, height: 0, params: { parameters: A1111 } }))
    expect(d).toMatchObject({ sampler: 'DPM++ 2M', schedule: 'Karras', steps: 30, cfgScale: 6.5, model: 'dream, v2', width: 640, height: 384, clipSkip: 2 })
    expect(d.durationS).toBeUndefined()
  })

  it('round-trips into the Txt2Img form', () => {
    const d = imageDetails(makeOutput(3, { seed: 99, params: { sampler: 'dpmpp_2m', scheduler: 'karras', steps: 9, cfg_scale: 4 } }))
    const f = formFromParameters(defaultForm(makeSettings().generation), toPNGParameters(d))
    expect(f).toMatchObject({ prompt: 'prompt number 3', sampler: 'dpmpp_2m', scheduler: 'karras', steps: 9, cfgScale: 4, seed: 99, width: 512, height: 512 })
  })
})
