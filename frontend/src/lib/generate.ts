// The Generate form's pure logic: defaults from settings, the request it
// builds, prompt helpers (LoRA tags, styles, token labels), size presets per
// family and mapping foreign parameters (PNG Info, a finished job) back into
// the form. Kept free of React and stores so it is tested directly.
import { type CloudChoice, parseSize, requestOptions } from './cloud'
import { baseFamily } from './models'
import { SAMPLERS, SCHEDULERS } from './samplers'
import type {
  CloudModel,
  GenerateMode,
  GenerateRequest,
  GenerationSettings,
  HiresRequest,
  InpaintFill,
  Job,
  ModelFamily,
  PNGParameters,
  ResizeMode,
  TokenCount,
} from './types'

/** Everything the Txt2Img and Img2Img forms hold. */
export interface GenForm {
  prompt: string
  negativePrompt: string
  sampler: string
  scheduler: string
  steps: number
  cfgScale: number
  width: number
  height: number
  seed: number
  subseed: number
  subseedStrength: number
  batchSize: number
  batchCount: number
  clipSkip: number
  vae: string
  hiresEnabled: boolean
  hires: HiresRequest
  refinerEnabled: boolean
  /** Catalog id of the refiner checkpoint. */
  refinerModel: string
  refinerSwitchAt: number
  /** Img2Img: the init image's path as the backend knows it. */
  initImage: string
  /** Img2Img: a URL the UI can show for the init image. */
  initPreview: string
  strength: number
  resizeMode: ResizeMode
  inpaint: boolean
  mask: string
  maskBlur: number
  inpaintFill: InpaintFill
  inpaintOnlyMasked: boolean
  inpaintPadding: number
  /** The picked cloud model and its settings; null (or absent in older saved forms) for a local checkpoint. */
  cloud: CloudChoice | null
}

/** Tokens per prompt chunk in the A1111 rule (77 minus the start and end tokens). */
export const CHUNK_TOKENS = 75

/** A fresh form following the user's generation defaults. */
export function defaultForm(g: GenerationSettings): GenForm {
  return {
    prompt: '',
    negativePrompt: '',
    sampler: g.sampler,
    scheduler: g.scheduler,
    steps: g.steps,
    cfgScale: g.cfgScale,
    width: g.width,
    height: g.height,
    seed: g.seed,
    subseed: -1,
    subseedStrength: 0,
    batchSize: g.batchSize,
    batchCount: 1,
    clipSkip: g.clipSkip,
    vae: '',
    hiresEnabled: false,
    hires: { scale: 2, upscaler: 'latent', steps: 0, denoise: 0.5 },
    refinerEnabled: false,
    refinerModel: '',
    refinerSwitchAt: 0.8,
    initImage: '',
    initPreview: '',
    strength: 0.75,
    resizeMode: 'just_resize',
    inpaint: false,
    mask: '',
    maskBlur: 4,
    inpaintFill: 'original',
    inpaintOnlyMasked: false,
    inpaintPadding: 32,
    cloud: null,
  }
}

/**
 * The Generate call for a form; checkpoint is the catalog id chosen in the
 * model picker. The engine wants a concrete variation seed, so a random one
 * (-1) is drawn here with rand.
 */
export function buildRequest(f: GenForm, checkpoint: string, tab: 'txt2img' | 'img2img', rand: () => number = Math.random): GenerateRequest {
  const mode: GenerateMode = tab === 'txt2img' ? 'txt2img' : f.inpaint && f.mask ? 'inpaint' : 'img2img'
  const image = mode !== 'txt2img'
  return {
    provider: 'local',
    size: '',
    aspectRatio: '',
    options: {},
    model: checkpoint,
    mode,
    prompt: f.prompt,
    negativePrompt: f.negativePrompt,
    sampler: f.sampler,
    scheduler: f.scheduler,
    steps: f.steps,
    cfgScale: f.cfgScale,
    width: f.width,
    height: f.height,
    seed: f.seed,
    subseed: f.subseedStrength <= 0 ? 0 : f.subseed >= 0 ? f.subseed : Math.floor(rand() * 2 ** 32),
    subseedStrength: f.subseedStrength,
    batchSize: f.batchSize,
    batchCount: f.batchCount,
    clipSkip: f.clipSkip,
    vae: f.vae,
    initImage: image ? f.initImage : '',
    strength: image ? f.strength : 0,
    resizeMode: f.resizeMode,
    mask: mode === 'inpaint' ? f.mask : '',
    maskBlur: f.maskBlur,
    inpaintFill: f.inpaintFill,
    inpaintOnlyMasked: mode === 'inpaint' && f.inpaintOnlyMasked,
    inpaintPadding: f.inpaintPadding,
    hires: f.hiresEnabled && !image ? { ...f.hires } : null,
    refiner: f.refinerEnabled && f.refinerModel ? { model: f.refinerModel, switchAt: f.refinerSwitchAt } : null,
    // LoRAs travel as <lora:…> tags in the prompt, which the engine reads.
    loras: [],
  }
}

/**
 * The Generate call for a form whose cloud choice is model m. Only what the
 * model takes is sent: a size or an aspect ratio, its options, a seed and a
 * negative prompt where it has them, and the image count (batchSize) within
 * its limit. The local-only fields go as neutral values the backend ignores.
 */
export function buildCloudRequest(f: GenForm, choice: CloudChoice, m: CloudModel, tab: 'txt2img' | 'img2img'): GenerateRequest {
  const caps = m.capabilities
  const image = tab === 'img2img'
  const withMask = image && caps.mask && f.inpaint && f.mask !== ''
  const size = (caps.sizes ?? []).length > 0 ? choice.size : ''
  const aspectRatio = size === '' && (caps.aspectRatios ?? []).length > 0 ? choice.aspectRatio : ''
  const { width, height } = parseSize(size)
  return {
    provider: m.provider,
    model: m.id,
    mode: withMask ? 'inpaint' : image ? 'img2img' : 'txt2img',
    prompt: f.prompt,
    negativePrompt: caps.negativePrompt ? f.negativePrompt : '',
    sampler: '',
    scheduler: '',
    steps: 0,
    cfgScale: 0,
    width,
    height,
    seed: caps.seed ? f.seed : -1,
    subseed: 0,
    subseedStrength: 0,
    batchSize: Math.min(Math.max(1, Math.round(f.batchSize)), Math.max(1, caps.maxImages)),
    batchCount: 1,
    clipSkip: 0,
    vae: '',
    initImage: image ? f.initImage : '',
    strength: 0,
    resizeMode: f.resizeMode,
    mask: withMask ? f.mask : '',
    maskBlur: 0,
    inpaintFill: f.inpaintFill,
    inpaintOnlyMasked: false,
    inpaintPadding: 0,
    hires: null,
    refiner: null,
    loras: [],
    size,
    aspectRatio,
    options: requestOptions(caps, choice.options),
  }
}

/** "23/75", "80/150 · 2 chunks": tokens against the room the started chunks give. */
export function tokenLabel(c: TokenCount): string {
  const chunks = Math.max(1, c.chunks)
  const room = `${c.tokens}/${chunks * CHUNK_TOKENS}`
  return chunks > 1 ? `${room} · ${chunks} chunks` : room
}

function formatWeight(w: number): string {
  return String(Math.round(w * 100) / 100)
}

/**
 * Adds <lora:name:w> to a prompt, or updates the weight when the prompt already
 * names that LoRA (A1111 would otherwise apply it twice).
 */
export function insertLora(prompt: string, name: string, weight: number): string {
  const tag = `<lora:${name}:${formatWeight(weight)}>`
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const existing = new RegExp(`<lora:${escaped}(:[^>]*)?>`)
  if (existing.test(prompt)) return prompt.replace(existing, tag)
  const trimmed = prompt.replace(/\s+$/, '')
  if (trimmed === '') return tag
  return /[,\s]$/.test(trimmed) ? `${trimmed} ${tag}` : `${trimmed}, ${tag}`
}

/** A1111's style rule: a {prompt} placeholder takes the prompt, otherwise the style is appended. */
export function applyStyleText(style: string, prompt: string): string {
  if (style === '') return prompt
  if (style.includes('{prompt}')) return style.replaceAll('{prompt}', prompt)
  const p = prompt.trim()
  return p === '' ? style : `${p}, ${style}`
}

export interface SizePreset {
  width: number
  height: number
}

const SDXL_SIZES: SizePreset[] = [
  { width: 1024, height: 1024 },
  { width: 832, height: 1216 },
  { width: 1216, height: 832 },
  { width: 896, height: 1152 },
  { width: 1152, height: 896 },
  { width: 768, height: 1344 },
  { width: 1344, height: 768 },
]

const SD1_SIZES: SizePreset[] = [
  { width: 512, height: 512 },
  { width: 512, height: 768 },
  { width: 768, height: 512 },
  { width: 640, height: 640 },
  { width: 512, height: 640 },
  { width: 640, height: 512 },
]

const SD2V_SIZES: SizePreset[] = [
  { width: 768, height: 768 },
  { width: 576, height: 1024 },
  { width: 1024, height: 576 },
  ...SD1_SIZES.slice(0, 3),
]

/** Sizes the family was trained around, square first. */
export function sizePresets(family: ModelFamily | undefined): SizePreset[] {
  const base = family ? baseFamily(family) : 'sd1'
  if (base === 'sdxl' || base === 'sdxl-refiner' || base === 'sd3' || base === 'flux') return SDXL_SIZES
  if (family === 'sd2-v') return SD2V_SIZES
  return SD1_SIZES
}

/** "2:3" for 832×1216, reduced by the greatest common divisor and rounded to familiar ratios. */
export function aspectLabel(w: number, h: number): string {
  const r = w / h
  const known: [number, string][] = [
    [1, '1:1'], [2 / 3, '2:3'], [3 / 2, '3:2'], [3 / 4, '3:4'], [4 / 3, '4:3'], [4 / 5, '4:5'], [5 / 4, '5:4'],
    [9 / 16, '9:16'], [16 / 9, '16:9'], [9 / 7, '9:7'], [7 / 9, '7:9'], [4 / 7, '4:7'], [7 / 4, '7:4'],
  ]
  let best = known[0] as [number, string]
  for (const k of known) if (Math.abs(k[0] - r) < Math.abs(best[0] - r)) best = k
  return Math.abs(best[0] - r) < 0.03 ? best[1] : `${w}:${h}`
}

// ComfyUI and older A1111 spellings of the samplers the engine knows.
const SAMPLER_ALIASES: Record<string, string> = {
  euler_ancestral: 'euler_a',
  'euler a': 'euler_a',
  dpm_2_ancestral: 'dpm_2_a',
  dpmpp_2s_ancestral: 'dpmpp_2s_a',
  dpmpp_2m_sde_gpu: 'dpmpp_2m_sde',
  dpmpp_3m_sde_gpu: 'dpmpp_3m_sde',
  dpmpp_sde_gpu: 'dpmpp_sde',
  uni_pc_bh2: 'uni_pc',
  k_euler: 'euler',
  k_euler_a: 'euler_a',
  k_lms: 'lms',
  k_heun: 'heun',
  k_dpm_2: 'dpm_2',
  k_dpm_2_a: 'dpm_2_a',
  k_dpmpp_2m: 'dpmpp_2m',
  k_dpmpp_2s_a: 'dpmpp_2s_a',
  'dpm++ 2m sde heun': 'dpmpp_2m_sde',
}

/** The scheduler id for an A1111 "Schedule type" or a ComfyUI scheduler name; '' when unknown or automatic. */
export function mapScheduler(name: string): string {
  const n = name.trim().toLowerCase()
  if (n === '' || n === 'automatic') return ''
  for (const s of SCHEDULERS) if (s.id === n || s.label.toLowerCase() === n) return s.id
  return ''
}

/**
 * Maps a sampler as A1111 ("DPM++ 2M", "Euler a", the older "DPM++ 2M Karras"),
 * ComfyUI ("dpmpp_2m", "euler_ancestral") or InvokeAI writes it to the engine's
 * sampler id, with a scheduler when the name carries one. Unknown names give
 * sampler ''.
 */
export function mapSampler(name: string): { sampler: string; scheduler: string } {
  let n = name.trim().toLowerCase()
  let scheduler = ''
  // Before A1111 1.9 the schedule was part of the sampler's name.
  for (const s of [...SCHEDULERS].sort((a, b) => b.label.length - a.label.length)) {
    const suffix = ` ${s.label.toLowerCase()}`
    if (n.endsWith(suffix) && n.length > suffix.length) {
      n = n.slice(0, -suffix.length)
      scheduler = s.id
      break
    }
  }
  const byLabel = SAMPLERS.find((s) => s.label.toLowerCase() === n || s.id === n)
  const sampler = byLabel?.id ?? SAMPLER_ALIASES[n] ?? ''
  return { sampler, scheduler }
}

/** The form with a PNG's parameters applied; fields the file lacks keep their value. */
export function formFromParameters(f: GenForm, p: PNGParameters): GenForm {
  const { sampler, scheduler } = mapSampler(p.sampler ?? '')
  const sched = mapScheduler(p.schedule ?? '') || scheduler
  const next: GenForm = { ...f, prompt: p.prompt ?? '', negativePrompt: p.negative_prompt ?? '' }
  if (sampler) next.sampler = sampler
  if (sched) next.scheduler = sched
  if (p.steps > 0) next.steps = p.steps
  if (p.cfg_scale > 0) next.cfgScale = p.cfg_scale
  if (Number.isFinite(p.seed)) next.seed = p.seed
  if (p.width > 0 && p.height > 0) {
    next.width = p.width
    next.height = p.height
  }
  next.clipSkip = p.clip_skip && p.clip_skip > 0 ? p.clip_skip : 1
  if (p.denoising_strength !== undefined && p.denoising_strength > 0) next.strength = p.denoising_strength
  return next
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

/**
 * The form refilled from a job's request. Params are the engine's JSON names
 * (snake_case); camelCase spellings are accepted too. The seed is the first
 * output's actual seed when the job ran with a random one.
 */
export function formFromJob(f: GenForm, job: Job): GenForm {
  const r = job.request
  if (!r) return f
  const p = r.params ?? {}
  const pick = (snake: string, camel: string) => p[snake] ?? p[camel]
  const next: GenForm = { ...f, prompt: r.prompt ?? '', negativePrompt: r.negativePrompt ?? '' }
  const setNum = (key: keyof GenForm, v: unknown) => {
    const n = num(v)
    if (n !== undefined) (next[key] as number) = n
  }
  const sampler = str(pick('sampler', 'sampler'))
  if (sampler) next.sampler = mapSampler(sampler).sampler || sampler
  const scheduler = str(pick('scheduler', 'scheduler'))
  if (scheduler) next.scheduler = scheduler
  setNum('steps', pick('steps', 'steps'))
  setNum('cfgScale', pick('cfg_scale', 'cfgScale'))
  setNum('width', pick('width', 'width'))
  setNum('height', pick('height', 'height'))
  setNum('seed', pick('seed', 'seed'))
  setNum('subseed', pick('subseed', 'subseed'))
  setNum('subseedStrength', pick('subseed_strength', 'subseedStrength'))
  setNum('batchSize', pick('batch_size', 'batchSize'))
  setNum('batchCount', pick('batch_count', 'batchCount'))
  setNum('clipSkip', pick('clip_skip', 'clipSkip'))
  setNum('strength', pick('strength', 'strength'))
  const outSeed = job.outputs?.[0]?.seed
  if (next.seed < 0 && outSeed !== undefined) next.seed = outSeed
  // An inpaint job comes back to the Inpaint tab (the img2img form with
  // inpaint on), a plain img2img job to Img2Img.
  if (r.mode === 'inpaint') next.inpaint = true
  else if (r.mode === 'img2img') next.inpaint = false
  const hires = pick('hires', 'hires') as Partial<HiresRequest> | null | undefined
  next.hiresEnabled = !!hires
  if (hires) {
    next.hires = {
      scale: num(hires.scale) ?? f.hires.scale,
      upscaler: hires.upscaler === 'lanczos' ? 'lanczos' : 'latent',
      steps: num(hires.steps) ?? f.hires.steps,
      denoise: num(hires.denoise) ?? f.hires.denoise,
    }
  }
  return next
}
