import { describe, expect, it } from 'vitest'
import { makeSettings } from '@/test/fixtures'
import {
  applyStyleText,
  aspectLabel,
  buildRequest,
  defaultForm,
  formFromJob,
  formFromParameters,
  insertLora,
  mapSampler,
  sizePresets,
  tokenLabel,
} from './generate'
import type { Job, PNGParameters } from './types'

const g = makeSettings().generation

describe('buildRequest', () => {
  it('carries the form and the chosen checkpoint, with no image fields for txt2img', () => {
    const f = { ...defaultForm(g), prompt: 'a fox', initImage: '/tmp/x.png', hiresEnabled: true }
    const r = buildRequest(f, 'ckpt-1', 'txt2img')
    expect(r).toMatchObject({
      model: 'ckpt-1',
      mode: 'txt2img',
      prompt: 'a fox',
      sampler: 'euler_a',
      scheduler: 'normal',
      steps: 25,
      cfgScale: 7,
      width: 512,
      height: 512,
      seed: -1,
      batchSize: 1,
      batchCount: 1,
      clipSkip: 1,
      initImage: '',
      strength: 0,
      mask: '',
      refiner: null,
      loras: [],
    })
    expect(r.hires).toEqual({ scale: 2, upscaler: 'latent', steps: 0, denoise: 0.5 })
  })

  it('sends the init image and strength for img2img and never hires fix', () => {
    const f = { ...defaultForm(g), initImage: '/cache/in.png', strength: 0.4, hiresEnabled: true, resizeMode: 'crop_and_resize' as const }
    const r = buildRequest(f, 'c', 'img2img')
    expect(r).toMatchObject({ mode: 'img2img', initImage: '/cache/in.png', strength: 0.4, resizeMode: 'crop_and_resize', hires: null })
  })

  it('becomes inpaint only with a mask, and sends a refiner only with a model', () => {
    const f = { ...defaultForm(g), initImage: '/a.png', inpaint: true, mask: '/m.png', refinerEnabled: true }
    expect(buildRequest(f, 'c', 'img2img')).toMatchObject({ mode: 'inpaint', mask: '/m.png', refiner: null })
    const r = buildRequest({ ...f, refinerModel: 'ref', refinerSwitchAt: 0.7 }, 'c', 'img2img')
    expect(r.refiner).toEqual({ model: 'ref', switchAt: 0.7 })
  })

  it('sends the variation seed only with a strength, drawing a random one for -1', () => {
    const f = { ...defaultForm(g), subseed: 42 }
    expect(buildRequest(f, 'c', 'txt2img').subseed).toBe(0)
    expect(buildRequest({ ...f, subseedStrength: 0.3 }, 'c', 'txt2img')).toMatchObject({ subseed: 42, subseedStrength: 0.3 })
    expect(buildRequest({ ...f, subseed: -1, subseedStrength: 0.3 }, 'c', 'txt2img', () => 0.5).subseed).toBe(2 ** 31)
  })
})

describe('prompt helpers', () => {
  it.each([
    { name: 'empty prompt', prompt: '', want: '<lora:detail:0.8>' },
    { name: 'appends with a comma', prompt: 'a cat', want: 'a cat, <lora:detail:0.8>' },
    { name: 'after a trailing comma', prompt: 'a cat,', want: 'a cat, <lora:detail:0.8>' },
    { name: 'updates the weight of the same LoRA', prompt: 'a cat, <lora:detail:1> x', want: 'a cat, <lora:detail:0.8> x' },
    { name: 'keeps other LoRAs', prompt: '<lora:detail_v2:1>', want: '<lora:detail_v2:1>, <lora:detail:0.8>' },
  ])('insertLora: $name', ({ prompt, want }) => {
    expect(insertLora(prompt, 'detail', 0.8)).toBe(want)
  })

  it('rounds LoRA weights to two decimals', () => {
    expect(insertLora('', 'x', 0.30000000000000004)).toBe('<lora:x:0.3>')
  })

  it.each([
    { style: '{prompt}, cinematic', prompt: 'a cat', want: 'a cat, cinematic' },
    { style: 'cinematic', prompt: 'a cat', want: 'a cat, cinematic' },
    { style: 'cinematic', prompt: '', want: 'cinematic' },
    { style: '', prompt: 'a cat', want: 'a cat' },
  ])('applyStyleText($style, $prompt)', ({ style, prompt, want }) => {
    expect(applyStyleText(style, prompt)).toBe(want)
  })

  it.each([
    { c: { tokens: 0, chunks: 0 }, want: '0/75' },
    { c: { tokens: 23, chunks: 1 }, want: '23/75' },
    { c: { tokens: 80, chunks: 2 }, want: '80/150 · 2 chunks' },
  ])('tokenLabel $c.tokens', ({ c, want }) => {
    expect(tokenLabel(c)).toBe(want)
  })
})

describe('sizes', () => {
  it('offers SDXL sizes for SDXL and SD 1.x sizes otherwise', () => {
    expect(sizePresets('sdxl')[0]).toEqual({ width: 1024, height: 1024 })
    expect(sizePresets('sdxl-inpaint')).toContainEqual({ width: 832, height: 1216 })
    expect(sizePresets('sd1')[0]).toEqual({ width: 512, height: 512 })
    expect(sizePresets('sd1')).toContainEqual({ width: 512, height: 768 })
    expect(sizePresets(undefined)[0]).toEqual({ width: 512, height: 512 })
  })

  it('names aspect ratios', () => {
    expect(aspectLabel(832, 1216)).toBe('2:3')
    expect(aspectLabel(1024, 1024)).toBe('1:1')
    expect(aspectLabel(1344, 768)).toBe('7:4')
    expect(aspectLabel(1000, 100)).toBe('1000:100')
  })
})

describe('mapSampler', () => {
  it.each([
    { name: 'DPM++ 2M', sampler: 'dpmpp_2m', scheduler: '' },
    { name: 'Euler a', sampler: 'euler_a', scheduler: '' },
    { name: 'DPM++ 2M Karras', sampler: 'dpmpp_2m', scheduler: 'karras' },
    { name: 'DPM++ 2M SDE Karras', sampler: 'dpmpp_2m_sde', scheduler: 'karras' },
    { name: 'DPM++ SDE', sampler: 'dpmpp_sde', scheduler: '' },
    { name: 'DPM2 a', sampler: 'dpm_2_a', scheduler: '' },
    { name: 'UniPC', sampler: 'uni_pc', scheduler: '' },
    { name: 'LMS Karras', sampler: 'lms', scheduler: 'karras' },
    { name: 'euler_ancestral', sampler: 'euler_a', scheduler: '' },
    { name: 'dpmpp_2m_sde_gpu', sampler: 'dpmpp_2m_sde', scheduler: '' },
    { name: 'Restart', sampler: '', scheduler: '' },
  ])('$name', ({ name, sampler, scheduler }) => {
    expect(mapSampler(name)).toEqual({ sampler, scheduler })
  })
})

describe('formFromParameters', () => {
  const p: PNGParameters = {
    prompt: 'a lighthouse',
    negative_prompt: 'blurry',
    steps: 28,
    sampler: 'DPM++ 2M',
    schedule: 'Karras',
    cfg_scale: 6.5,
    seed: 3141592653,
    width: 832,
    height: 1216,
    clip_skip: 2,
  }

  it('fills every field A1111 writes', () => {
    const f = formFromParameters(defaultForm(g), p)
    expect(f).toMatchObject({
      prompt: 'a lighthouse',
      negativePrompt: 'blurry',
      steps: 28,
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
      cfgScale: 6.5,
      seed: 3141592653,
      width: 832,
      height: 1216,
      clipSkip: 2,
    })
  })

  it('keeps the form sampler when the name is unknown and takes the schedule from an old-style name', () => {
    const f = formFromParameters(defaultForm(g), { ...p, sampler: 'Restart', schedule: '' })
    expect(f.sampler).toBe('euler_a')
    expect(formFromParameters(defaultForm(g), { ...p, sampler: 'Euler a Exponential', schedule: '' })).toMatchObject({ sampler: 'euler_a', scheduler: 'exponential' })
  })
})

describe('formFromJob', () => {
  it('restores the request, taking the actual seed of a random-seed job', () => {
    const job: Job = {
      id: 'j1',
      state: 'done',
      request: {
        provider: 'local',
        model: '/models/a.safetensors',
        mode: 'txt2img',
        prompt: 'p',
        negativePrompt: 'n',
        params: { steps: 9, cfg_scale: 4.5, sampler: 'heun', scheduler: 'karras', width: 640, height: 512, seed: -1, batch_size: 2, clip_skip: 2, hires: { scale: 1.5, upscaler: 'lanczos', steps: 5, denoise: 0.3 } },
      },
      outputs: [{ path: '/o.png', width: 640, height: 512, seed: 777 }],
    }
    const f = formFromJob(defaultForm(g), job)
    expect(f).toMatchObject({ prompt: 'p', negativePrompt: 'n', steps: 9, cfgScale: 4.5, sampler: 'heun', scheduler: 'karras', width: 640, height: 512, seed: 777, batchSize: 2, clipSkip: 2, hiresEnabled: true })
    expect(f.hires).toEqual({ scale: 1.5, upscaler: 'lanczos', steps: 5, denoise: 0.3 })
  })

  it('brings an inpaint job back with inpaint on, and an img2img job with it off', () => {
    const job = (mode: 'img2img' | 'inpaint'): Job => ({
      id: 'j2',
      state: 'done',
      request: { provider: 'local', model: 'm', mode, prompt: 'p', negativePrompt: '', params: { strength: 0.6 } },
    })
    const base = defaultForm(g)
    expect(formFromJob({ ...base, inpaint: false }, job('inpaint'))).toMatchObject({ inpaint: true, strength: 0.6 })
    expect(formFromJob({ ...base, inpaint: true }, job('img2img'))).toMatchObject({ inpaint: false })
  })
})
