import { describe, expect, it } from 'vitest'
import { dalle3, fluxUltra, ideogram3 } from '@/test/fixtures'
import { choiceFor, cloudValue, groupCloudModels, parseCloudValue, requestOptions, servesTab } from './cloud'
import { buildCloudRequest, defaultForm } from './generate'
import type { GenerationSettings } from './types'

const G: GenerationSettings = {
  checkpoint: 'ck1',
  sampler: 'euler_a',
  scheduler: 'normal',
  steps: 20,
  cfgScale: 7,
  width: 512,
  height: 512,
  seed: 42,
  clipSkip: 2,
  batchSize: 4,
}

describe('cloud helpers', () => {
  it('groups models by provider in display order', () => {
    const groups = groupCloudModels([fluxUltra(), ideogram3(), dalle3(), { ...dalle3(), provider: 'other' as never }])
    expect(groups.map(([p, list]) => [p, list.map((m) => m.id)])).toEqual([
      ['openai', ['dall-e-3']],
      ['ideogram', ['V_3']],
      ['bfl', ['flux-pro-1.1-ultra']],
    ])
  })

  it('round-trips picker values and rejects others', () => {
    expect(parseCloudValue(cloudValue('bfl', 'flux-pro-1.1'))).toEqual({ provider: 'bfl', id: 'flux-pro-1.1' })
    expect(parseCloudValue('ck1')).toBeNull()
    expect(parseCloudValue('cloud:nope:x')).toBeNull()
  })

  it('serves a tab by capability', () => {
    expect(servesTab(dalle3().capabilities, 'txt2img')).toBe(true)
    expect(servesTab(dalle3().capabilities, 'img2img')).toBe(false)
    expect(servesTab(ideogram3().capabilities, 'img2img')).toBe(true)
  })

  it('starts a choice from defaults and carries over what the next model accepts', () => {
    const first = choiceFor(ideogram3(), null)
    expect(first).toEqual({
      provider: 'ideogram',
      model: 'V_3',
      size: '',
      aspectRatio: '1x1',
      options: { rendering_speed: 'BALANCED', magic_prompt: 'false', image_weight: '50' },
    })
    const edited = { ...first, aspectRatio: '16x9', options: { ...first.options, rendering_speed: 'TURBO' } }
    const again = choiceFor(ideogram3(), edited)
    expect(again.aspectRatio).toBe('16x9')
    expect(again.options.rendering_speed).toBe('TURBO')
    // DALL·E 3 takes neither the ratio nor Ideogram's options.
    expect(choiceFor(dalle3(), edited)).toEqual({
      provider: 'openai',
      model: 'dall-e-3',
      size: '1024x1024',
      aspectRatio: '',
      options: { quality: 'standard', style: 'vivid' },
    })
  })

  it('sends only declared options and drops empty ones', () => {
    expect(requestOptions(dalle3().capabilities, { quality: 'hd', style: '', stray: 'x' })).toEqual({ quality: 'hd' })
  })
})

describe('buildCloudRequest', () => {
  it('builds a DALL·E 3 request with its size and options, no seed or negative prompt', () => {
    const m = dalle3()
    const f = { ...defaultForm(G), prompt: 'a fox', negativePrompt: 'blurry', batchSize: 4 }
    const choice = { ...choiceFor(m, null), size: '1792x1024', options: { quality: 'hd', style: 'natural' } }
    const req = buildCloudRequest(f, choice, m, 'txt2img')
    expect(req).toMatchObject({
      provider: 'openai',
      model: 'dall-e-3',
      mode: 'txt2img',
      prompt: 'a fox',
      negativePrompt: '',
      seed: -1,
      batchSize: 1,
      batchCount: 1,
      size: '1792x1024',
      aspectRatio: '',
      width: 1792,
      height: 1024,
      options: { quality: 'hd', style: 'natural' },
      initImage: '',
      hires: null,
      refiner: null,
      loras: [],
    })
  })

  it('builds an Ideogram edit with ratio, seed, negative prompt, image count and the init image', () => {
    const m = ideogram3()
    const f = { ...defaultForm(G), prompt: 'p', negativePrompt: 'n', seed: 7, batchSize: 3, initImage: '/cache/in.png' }
    const req = buildCloudRequest(f, { ...choiceFor(m, null), aspectRatio: '9x16' }, m, 'img2img')
    expect(req).toMatchObject({
      provider: 'ideogram',
      model: 'V_3',
      mode: 'img2img',
      negativePrompt: 'n',
      seed: 7,
      batchSize: 3,
      size: '',
      aspectRatio: '9x16',
      initImage: '/cache/in.png',
      options: { rendering_speed: 'BALANCED', magic_prompt: 'false', image_weight: '50' },
    })
  })

  it('keeps the image count within the model limit', () => {
    const m = ideogram3()
    const f = { ...defaultForm(G), batchSize: 40 }
    expect(buildCloudRequest(f, choiceFor(m, null), m, 'txt2img').batchSize).toBe(8)
  })
})
