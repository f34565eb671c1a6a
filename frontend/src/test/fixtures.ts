import type { CloudCapabilities, CloudModel, KeyState, Model, OutputItem, Settings, StatSpread, StatsSummary } from '@/lib/types'

export function makeSettings(over: Partial<Settings> = {}): Settings {
  return {
    version: 1,
    theme: 'dark',
    modelsRoot: '/models',
    extraModelRoots: [],
    outputDir: '/out',
    logLevel: 'info',
    engine: { device: 'auto', idleTimeoutMinutes: 15, memoryBudgetGB: 0 },
    generation: {
      checkpoint: '',
      sampler: 'euler_a',
      scheduler: 'normal',
      steps: 25,
      cfgScale: 7,
      width: 512,
      height: 512,
      seed: -1,
      clipSkip: 1,
      batchSize: 1,
    },
    ...over,
  }
}

let seq = 0

export function makeModel(over: Partial<Model> & Pick<Model, 'name'>): Model {
  seq++
  const kind = over.kind ?? 'checkpoint'
  return {
    id: over.id ?? `id-${over.name}`,
    fileName: `${over.name}.safetensors`,
    path: `/models/checkpoints/${over.name}.safetensors`,
    root: '/models',
    folder: 'checkpoints',
    kind,
    family: 'sd1',
    inpaint: false,
    vPrediction: false,
    format: 'safetensors',
    size: 2_000_000_000 + seq,
    modTime: '2025-01-01T00:00:00Z',
    sha256: 'abcdef0123456789'.repeat(4),
    autoV2: 'abcdef0123',
    hashing: false,
    tensorCount: 10,
    dtypes: { F16: 10 },
    status: 'ok',
    ...over,
  }
}

export function makeOutput(i: number, over: Partial<OutputItem> = {}): OutputItem {
  return {
    id: `o${i}`,
    jobId: `j${i}`,
    path: `/out/${i}.png`,
    provider: 'local',
    model: 'dreamshaper_8',
    prompt: `prompt number ${i}`,
    negativePrompt: '',
    seed: 1000 + i,
    width: 512,
    height: 512,
    createdAt: '2025-01-01T00:00:00Z',
    exists: true,
    url: `/media/outputs/o${i}`,
    thumbUrl: `/media/outputs/o${i}?thumb=1`,
    ...over,
  }
}

export function makeKeyState(over: Partial<KeyState> = {}): KeyState {
  return {
    keychainAvailable: true,
    message: '',
    keys: [
      { provider: 'openai', name: 'OpenAI', set: false, source: '', last4: '', envVar: 'OPENAI_API_KEY' },
      { provider: 'ideogram', name: 'Ideogram', set: false, source: '', last4: '', envVar: 'IDEOGRAM_API_KEY' },
    ],
    ...over,
  }
}

/** DALL·E 3 as the Go side describes it: fixed sizes, one image, quality and style. */
export function dalle3(over: Partial<CloudModel> = {}): CloudModel {
  return {
    provider: 'openai',
    id: 'dall-e-3',
    name: 'DALL·E 3',
    locked: false,
    capabilities: {
      textToImage: true,
      imageEdit: false,
      mask: false,
      negativePrompt: false,
      seed: false,
      sizes: ['1024x1024', '1792x1024', '1024x1792'],
      maxImages: 1,
      options: [
        { key: 'quality', label: 'Quality', kind: 'enum', values: ['standard', 'hd'], default: 'standard' },
        { key: 'style', label: 'Style', kind: 'enum', values: ['vivid', 'natural'], default: 'vivid' },
      ],
    },
    ...over,
  }
}

/** Ideogram 3.0: aspect ratios, seed, negative prompt, edits, up to 8 images. */
export function ideogram3(over: Partial<CloudModel> = {}, caps: Partial<CloudCapabilities> = {}): CloudModel {
  return {
    provider: 'ideogram',
    id: 'V_3',
    name: 'Ideogram 3.0',
    locked: false,
    capabilities: {
      textToImage: true,
      imageEdit: true,
      mask: false,
      negativePrompt: true,
      seed: true,
      aspectRatios: ['1x1', '16x9', '9x16'],
      maxImages: 8,
      options: [
        { key: 'rendering_speed', label: 'Rendering speed', kind: 'enum', values: ['TURBO', 'BALANCED', 'QUALITY'], default: 'BALANCED' },
        { key: 'magic_prompt', label: 'Magic prompt', kind: 'bool', default: 'false' },
        { key: 'image_weight', label: 'Image weight', kind: 'int', min: 1, max: 100, default: '50' },
        { key: 'style_type', label: 'Style type', kind: 'text' },
      ],
      ...caps,
    },
    ...over,
  }
}

/** FLUX 1.1 [pro] Ultra: aspect ratios and a raw switch. */
export function fluxUltra(over: Partial<CloudModel> = {}): CloudModel {
  return {
    provider: 'bfl',
    id: 'flux-pro-1.1-ultra',
    name: 'FLUX 1.1 [pro] Ultra',
    locked: false,
    capabilities: {
      textToImage: true,
      imageEdit: false,
      mask: false,
      negativePrompt: false,
      seed: true,
      aspectRatios: ['1:1', '16:9'],
      maxImages: 1,
      options: [{ key: 'raw', label: 'Raw', kind: 'bool', default: 'false' }],
    },
    ...over,
  }
}

export function makeSpread(label: string, over: Partial<StatSpread> = {}): StatSpread {
  return { label, count: 0, min: 0, p25: 0, median: 0, p75: 0, max: 0, mean: 0, ...over }
}

/** A summary with no jobs, as Go answers for an empty history. */
export function makeStats(over: Partial<StatsSummary> = {}): StatsSummary {
  return {
    until: '2025-06-10T12:30:00Z',
    jobs: 0,
    images: 0,
    outcomes: { done: 0, failed: 0, cancelled: 0, successRate: 0 },
    timeline: { start: '2025-06-09T12:00:00Z', bucketSeconds: 3600, buckets: [] },
    imageSeconds: { overall: makeSpread('all'), byModel: [], bySize: [], byDevice: [] },
    responseSeconds: [],
    resources: [],
    ...over,
  }
}
