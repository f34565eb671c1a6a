import type { KeyState, Model, OutputItem, Settings } from '@/lib/types'

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
