// A stand-in Go backend for `vite` in a plain browser during development: it
// installs window.go.main.App and window.runtime the way Wails does, with
// realistic sample data. main.tsx loads it only when import.meta.env.DEV and
// no real backend is present, so it never reaches a production bundle.
//
// URL switches: ?mock=empty (no models or images), ?theme=light|dark,
// ?keychain=off (keychain unavailable).
import { EVENTS } from '@/lib/events'
import { sampleTemplates, sampleWorkflow } from '@/dev/mock-workflows'
import type { GenerateRequest, Job, KeyStatus, Model, OutputItem, Settings, StatSpread, StatsSummary, Style, WorkflowRunRequest } from '@/lib/types'

type Callback = (...data: unknown[]) => void

const GB = 1024 ** 3
const MB = 1024 ** 2

function model(p: Partial<Model> & Pick<Model, 'name' | 'kind' | 'family' | 'size'>, i: number): Model {
  const ext = p.format === 'ckpt' ? 'ckpt' : p.format === 'pt' ? 'pt' : 'safetensors'
  const fileName = p.fileName ?? `${p.name}.${ext}`
  const folder = p.folder ?? ({ checkpoint: 'checkpoints', lora: 'loras', vae: 'vae', controlnet: 'controlnet', upscaler: 'upscale_models', embedding: 'embeddings', taesd: 'taesd', text_encoder: 'clip', unet: 'unet', unknown: '' } as const)[p.kind]
  const sha = Array.from({ length: 64 }, (_, j) => '0123456789abcdef'[(i * 7 + j * 13 + (j >> 2)) % 16]).join('')
  return {
    id: `m${i}`,
    fileName,
    path: `/home/ada/DreamLayer/models/${folder}/${fileName}`,
    root: '/home/ada/DreamLayer/models',
    folder,
    inpaint: false,
    vPrediction: false,
    format: ext,
    modTime: new Date(Date.now() - i * 86400000).toISOString(),
    sha256: sha,
    autoV2: sha.slice(0, 10),
    hashing: false,
    tensorCount: 1131,
    dtypes: { F16: 1131 },
    status: 'ok',
    ...p,
  }
}

function sampleModels(): Model[] {
  return [
    { name: 'juggernautXL_v9Rundiffusion', kind: 'checkpoint', family: 'sdxl', size: 6.94 * GB },
    { name: 'sd_xl_base_1.0', kind: 'checkpoint', family: 'sdxl', size: 6.46 * GB },
    { name: 'sd_xl_refiner_1.0', kind: 'checkpoint', family: 'sdxl-refiner', size: 5.66 * GB },
    { name: 'dreamshaper_8', kind: 'checkpoint', family: 'sd1', size: 2.13 * GB },
    { name: 'v1-5-pruned-emaonly', kind: 'checkpoint', family: 'sd1', size: 4.27 * GB, format: 'ckpt' },
    { name: 'sd-v1-5-inpainting', kind: 'checkpoint', family: 'sd1-inpaint', size: 4.27 * GB, inpaint: true, sha256: '', autoV2: '', hashing: true },
    { name: 'v2-1_768-ema-pruned', kind: 'checkpoint', family: 'sd2-v', size: 5.21 * GB, vPrediction: true },
    { name: 'broken_download', kind: 'checkpoint', family: 'unknown', size: 812 * MB, status: 'unreadable', error: 'header is truncated (file still copying?)', sha256: '', autoV2: '' },
    { name: 'add_detail', kind: 'lora', family: 'sd1', size: 37.9 * MB },
    { name: 'pixel-art-xl', kind: 'lora', family: 'sdxl', size: 163 * MB },
    { name: 'epiNoiseoffset_v2', kind: 'lora', family: 'sd1', size: 81.5 * MB },
    { name: 'sdxl_vae', kind: 'vae', family: 'sdxl', size: 319 * MB },
    { name: 'vae-ft-mse-840000-ema-pruned', kind: 'vae', family: 'sd1', size: 319 * MB },
    { name: 'control_v11p_sd15_canny', kind: 'controlnet', family: 'sd1', size: 1.35 * GB },
    { name: '4x-UltraSharp', kind: 'upscaler', family: 'unknown', size: 63.9 * MB, format: 'pt', fileName: '4x-UltraSharp.pth' },
    { name: 'easynegative', kind: 'embedding', family: 'sd1', size: 24.6 * 1024 },
    { name: 'taesd_decoder', kind: 'taesd', family: 'sd1', size: 4.7 * MB },
    { name: 'taesdxl_decoder', kind: 'taesd', family: 'sdxl', size: 4.7 * MB },
  ].map((m, i) => model(m as Partial<Model> & Pick<Model, 'name' | 'kind' | 'family' | 'size'>, i))
}

const PROMPTS = [
  'a lighthouse on a cliff at dusk, volumetric light, dramatic clouds, highly detailed, 35mm photo',
  'portrait of an astronaut in a sunflower field, golden hour, bokeh, film grain',
  'isometric cozy reading nook, warm lamp light, rain on the window, 3d render',
  'ancient forest temple overgrown with moss, god rays, matte painting',
  'neon-lit street market in the rain at night, cyberpunk, reflections',
  'macro photo of a dew drop on a leaf, morning light, shallow depth of field',
  'a red fox curled up in fresh snow, soft light, wildlife photography',
  'floating islands above a sea of clouds, waterfalls, fantasy concept art',
  'minimalist japanese living room, afternoon sun, architectural photography',
  'watercolor of a harbour town with colourful houses',
  'steampunk airship over a Victorian city, sunset, detailed illustration',
  'still life of pears and a copper jug, oil painting, chiaroscuro',
]

const HUES: [number, number][] = [
  [28, 265], [45, 200], [20, 330], [140, 95], [300, 190], [100, 60], [15, 220], [190, 260], [35, 160], [200, 340], [25, 45], [80, 30],
]

function art(i: number, w: number, h: number): string {
  const [a, b] = HUES[i % HUES.length] ?? [260, 300]
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${a} 70% 62%)"/><stop offset="1" stop-color="hsl(${b} 55% 22%)"/></linearGradient>
<radialGradient id="s" cx="0.7" cy="0.3" r="0.5"><stop offset="0" stop-color="hsl(${a + 20} 90% 85%)" stop-opacity="0.9"/><stop offset="1" stop-color="hsl(${a} 80% 60%)" stop-opacity="0"/></radialGradient></defs>
<rect width="100%" height="100%" fill="url(#g)"/><circle cx="${w * 0.68}" cy="${h * 0.32}" r="${Math.min(w, h) * 0.42}" fill="url(#s)"/>
<path d="M0 ${h * 0.78} Q ${w * 0.25} ${h * (0.6 + (i % 3) * 0.05)} ${w * 0.5} ${h * 0.74} T ${w} ${h * 0.7} V ${h} H 0 Z" fill="hsl(${b} 45% 14%)" fill-opacity="0.85"/>
<path d="M0 ${h * 0.88} Q ${w * 0.4} ${h * 0.8} ${w * 0.7} ${h * 0.9} T ${w} ${h * 0.86} V ${h} H 0 Z" fill="hsl(${b} 40% 8%)"/></svg>`
  return `data:image/svg+xml;utf8,${encodeURIComponent(svg)}`
}

function sampleOutputs(n: number): OutputItem[] {
  const models = ['juggernautXL_v9Rundiffusion', 'dreamshaper_8', 'sd_xl_base_1.0', 'gpt-image-1']
  return Array.from({ length: n }, (_, i) => {
    const w = i % 5 === 0 ? 1216 : i % 3 === 0 ? 832 : 1024
    const h = i % 5 === 0 ? 832 : i % 3 === 0 ? 1216 : 1024
    const src = art(i, w / 8, h / 8)
    const m = models[i % models.length] ?? ''
    return {
      id: `o${i}`,
      jobId: `j${Math.floor(i / 2)}`,
      path: `/home/ada/Pictures/DreamLayer/2025-11-${String(27 - (i % 20)).padStart(2, '0')}/${String(i).padStart(5, '0')}.png`,
      provider: m.startsWith('gpt') ? 'openai' : 'local',
      model: m,
      prompt: PROMPTS[i % PROMPTS.length] ?? '',
      negativePrompt: i % 2 === 0 ? 'blurry, lowres, watermark, text, deformed' : '',
      seed: 1234567890 + i * 7919,
      width: w,
      height: h,
      createdAt: new Date(Date.now() - i * 3600_000).toISOString(),
      exists: i !== 7,
      url: src,
      thumbUrl: src,
    }
  })
}

function defaults(): Settings {
  const params = new URLSearchParams(window.location.search)
  const theme = params.get('theme')
  return {
    version: 1,
    theme: theme === 'light' || theme === 'dark' ? theme : 'system',
    modelsRoot: '',
    extraModelRoots: ['/mnt/data/stable-diffusion-webui/models'],
    outputDir: '',
    logLevel: 'info',
    engine: { device: 'auto', idleTimeoutMinutes: 15, memoryBudgetGB: 0 },
    comfyui: { servers: [] },
    generation: { checkpoint: 'm0', sampler: 'euler_a', scheduler: 'karras', steps: 25, cfgScale: 7, width: 1024, height: 1024, seed: -1, clipSkip: 1, batchSize: 1 },
  }
}

function delay<T>(v: T, ms = 120): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(structuredClone(v)), ms))
}

function validate(s: Settings): string[] {
  const errs: string[] = []
  const range = (f: string, v: number, lo: number, hi: number) => {
    if (!(v >= lo && v <= hi)) errs.push(`${f}: ${v} is out of range ${lo}–${hi}`)
  }
  range('generation.steps', s.generation.steps, 1, 150)
  range('generation.cfgScale', s.generation.cfgScale, 0, 30)
  for (const [f, v] of [['generation.width', s.generation.width], ['generation.height', s.generation.height]] as const) {
    if (v < 64 || v > 4096) errs.push(`${f}: ${v} is out of range 64–4096`)
    else if (v % 8 !== 0) errs.push(`${f}: ${v} is not a multiple of 8`)
  }
  range('generation.clipSkip', s.generation.clipSkip, 1, 12)
  range('generation.batchSize', s.generation.batchSize, 1, 16)
  range('engine.idleTimeoutMinutes', s.engine.idleTimeoutMinutes, 0, 1440)
  if (s.modelsRoot && !s.modelsRoot.startsWith('/')) errs.push(`modelsRoot: "${s.modelsRoot}" must be an absolute path`)
  return errs
}

function samplePNGInfo() {
  return {
    source: 'a1111',
    parameters: { prompt: PROMPTS[0], negative_prompt: 'blurry, lowres', steps: 28, sampler: 'DPM++ 2M', schedule: 'Karras', cfg_scale: 6.5, seed: 3141592653, width: 832, height: 1216, model_hash: 'c6bbc15e32', model: 'juggernautXL_v9Rundiffusion', clip_skip: 2, extra: [{ key: 'Version', value: 'v1.10.1' }] },
    chunks: { parameters: `${PROMPTS[0]}\nNegative prompt: blurry, lowres\nSteps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 3141592653, Size: 832x1216` },
  }
}

export function installMockBackend(): void {
  const params = new URLSearchParams(window.location.search)
  const empty = params.get('mock') === 'empty'
  const listeners = new Map<string, Set<Callback>>()
  const emit = (name: string, payload: unknown) => listeners.get(name)?.forEach((cb) => cb(payload))

  let settings = defaults()
  if (empty) settings.generation.checkpoint = ''
  let models = empty ? [] : sampleModels()
  let outputs = empty ? [] : sampleOutputs(60)
  let styles: Style[] = [{ name: 'Cinematic', prompt: '{prompt}, cinematic still, 35mm, shallow depth of field', negativePrompt: 'cartoon, illustration' }]
  const keychainAvailable = params.get('keychain') !== 'off'
  const keys: KeyStatus[] = [
    { provider: 'openai', name: 'OpenAI', set: true, source: 'keychain', last4: 'x9Qa', envVar: 'OPENAI_API_KEY' },
    { provider: 'ideogram', name: 'Ideogram', set: false, source: '', last4: '', envVar: 'IDEOGRAM_API_KEY' },
    { provider: 'bfl', name: 'Black Forest Labs (FLUX)', set: true, source: 'env', last4: '7f2c', envVar: 'BFL_API_KEY' },
  ]

  // Hashes finish in the background, as the real catalog's do.
  setTimeout(() => {
    models = models.map((m) => {
      if (!m.hashing) return m
      const done = { ...m, hashing: false, sha256: 'c6bbc15e3224e6973459ba78de4998b80b50112b0ae5b5c67113d56b4e366b19', autoV2: 'c6bbc15e32' }
      emit(EVENTS.catalogChanged, { type: 'changed', model: done })
      return done
    })
  }, 4000)

  let jobs: Job[] = []
  let jobSeq = 0
  const cancelled = new Set<string>()

  const App = {
    Version: () => delay({ version: '0.1.0-dev', commit: 'a1b2c3d', goVersion: 'go1.26.0', os: 'linux', arch: 'amd64' }),
    GetPaths: () =>
      delay({
        configDir: '/home/ada/.config/DreamLayer',
        dataDir: '/home/ada/.local/share/DreamLayer',
        logsDir: '/home/ada/.local/share/DreamLayer/logs',
        cacheDir: '/home/ada/.cache/DreamLayer',
        databasePath: '/home/ada/.local/share/DreamLayer/dreamlayer.db',
        settingsPath: '/home/ada/.config/DreamLayer/settings.json',
        defaultModelsRoot: '/home/ada/DreamLayer/models',
        defaultOutputDir: '/home/ada/Pictures/DreamLayer',
      }),
    GetSettings: () => delay(settings),
    SaveSettings: (s: Settings) => {
      const errs = validate(s)
      if (errs.length) return new Promise((_, reject) => setTimeout(() => reject(`invalid settings: ${errs.join('\n')}`), 150))
      settings = structuredClone(s)
      setTimeout(() => emit(EVENTS.settingsChanged, structuredClone(settings)), 10)
      return delay(settings, 250)
    },
    ChooseFolder: (_title: string, start: string) => delay(start || '/home/ada/ComfyUI/models', 200),
    ListModels: () => delay(models, 500),
    OpenModelsFolder: () => delay(undefined),
    RevealModel: () => delay(undefined),
    RescanModels: () => delay(undefined, 700),
    GetKeyState: () => delay({ keychainAvailable, message: keychainAvailable ? '' : 'No Secret Service provider found (is gnome-keyring running?). Keys are kept for this session only.', keys }),
    SetKey: (provider: string, key: string) => {
      const k = keys.find((x) => x.provider === provider)
      if (!k) return Promise.reject(`unknown provider ${provider}`)
      if (key.length < 8) return new Promise((_, reject) => setTimeout(() => reject('key looks too short'), 150))
      Object.assign(k, { set: true, source: keychainAvailable ? 'keychain' : 'session', last4: key.slice(-4) })
      return delay(k, 300)
    },
    DeleteKey: (provider: string) => {
      const k = keys.find((x) => x.provider === provider)
      if (!k) return Promise.reject(`unknown provider ${provider}`)
      Object.assign(k, { set: false, source: '', last4: '' })
      return delay(k)
    },
    TestKey: (provider: string) => {
      const k = keys.find((x) => x.provider === provider)
      return delay(k?.set ? { provider, status: 'valid', message: 'The key works' } : { provider, status: 'invalid', message: 'No key is set' }, 400)
    },
    ListCloudModels: () => {
      const locked = (p: string) => !keys.some((k) => k.provider === p && k.set)
      return delay(
        [
          { provider: 'openai', id: 'dall-e-3', name: 'DALL·E 3', locked: locked('openai'), capabilities: { textToImage: true, imageEdit: false, mask: false, negativePrompt: false, seed: false, sizes: ['1024x1024', '1792x1024', '1024x1792'], maxImages: 1, options: [{ key: 'quality', label: 'Quality', kind: 'enum', values: ['standard', 'hd'], default: 'standard' }, { key: 'style', label: 'Style', kind: 'enum', values: ['vivid', 'natural'], default: 'vivid' }] } },
          { provider: 'ideogram', id: 'V_3', name: 'Ideogram 3.0', locked: locked('ideogram'), capabilities: { textToImage: true, imageEdit: true, mask: false, negativePrompt: true, seed: true, aspectRatios: ['1x1', '16x9', '9x16'], maxImages: 8, options: [{ key: 'rendering_speed', label: 'Rendering speed', kind: 'enum', values: ['TURBO', 'BALANCED', 'QUALITY'], default: 'BALANCED' }] } },
          { provider: 'bfl', id: 'flux-pro-1.1-ultra', name: 'FLUX 1.1 [pro] Ultra', locked: locked('bfl'), capabilities: { textToImage: true, imageEdit: false, mask: false, negativePrompt: false, seed: true, aspectRatios: ['1:1', '16:9', '9:16'], maxImages: 1, options: [{ key: 'raw', label: 'Raw', kind: 'bool', default: 'false' }] } },
        ],
        300,
      )
    },
    ListOutputs: (query: string, offset: number, limit: number) => {
      const q = query.toLowerCase()
      const hits = outputs.filter((o) => !q || o.prompt.toLowerCase().includes(q) || o.model.toLowerCase().includes(q) || String(o.seed).includes(q))
      return delay({ items: hits.slice(offset, offset + limit), total: hits.length }, 400)
    },
    ListOutputsFiltered: (f: { text: string; model: string; provider: string; sinceMs: number; untilMs: number }, offset: number, limit: number) => {
      const q = f.text.toLowerCase()
      const hits = outputs.filter((o) => {
        const t = Date.parse(o.createdAt)
        return (
          (!q || o.prompt.toLowerCase().includes(q) || o.model.toLowerCase().includes(q) || String(o.seed).includes(q)) &&
          (!f.model || o.model === f.model) &&
          (!f.provider || o.provider === f.provider) &&
          (!f.sinceMs || t >= f.sinceMs) &&
          (!f.untilMs || t < f.untilMs)
        )
      })
      return delay({ items: hits.slice(offset, offset + limit), total: hits.length }, 400)
    },
    GalleryFacets: () => {
      const count = (key: 'model' | 'provider') => {
        const m = new Map<string, number>()
        for (const o of outputs) if (o[key]) m.set(o[key], (m.get(o[key]) ?? 0) + 1)
        return [...m].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count)
      }
      const times = outputs.map((o) => o.createdAt).sort()
      return delay({ models: count('model'), providers: count('provider'), oldest: times[0] ?? '', newest: times.at(-1) ?? '' })
    },
    OpenOutput: () => delay(undefined),
    RevealOutput: () => delay(undefined),
    DeleteOutput: (id: string) => {
      outputs = outputs.filter((o) => o.id !== id)
      setTimeout(() => emit(EVENTS.galleryChanged, { type: 'deleted', id }), 10)
      return delay(undefined)
    },
    RandomPrompt: () => delay({ positive: PROMPTS[Math.floor(Math.random() * PROMPTS.length)] ?? '', negative: 'blurry, lowres' }),
    ListStyles: () => delay(styles),
    SaveStyle: (s: Style) => {
      styles = [...styles.filter((x) => x.name !== s.name), s]
      return delay(styles)
    },
    DeleteStyle: (name: string) => {
      styles = styles.filter((x) => x.name !== name)
      return delay(styles)
    },
    ListJobs: () => delay(jobs),
    CancelJob: (id: string) => {
      cancelled.add(id)
      return delay(undefined)
    },
    ClearFinishedJobs: () => {
      jobs = jobs.filter((j) => j.state === 'queued' || j.state === 'running')
      return delay(undefined)
    },
    MoveJob: (id: string, toIndex: number) => {
      const lane = jobs.filter((j) => j.state === 'queued').sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
      const job = lane.find((j) => j.id === id)
      if (!job) return Promise.reject(`move job ${id}: job is not queued`)
      const orders = lane.map((j) => j.order ?? 0)
      const next = lane.filter((j) => j !== job)
      next.splice(Math.min(toIndex, next.length), 0, job)
      next.forEach((j, i) => (j.order = orders[i]))
      emit(EVENTS.jobsReordered, { provider: 'local', jobs: next.map((j) => ({ id: j.id, order: j.order })) })
      return delay(undefined)
    },
    GetStats: (rangeHours: number) => delay(mockStats(rangeHours)),
    Generate: (req: GenerateRequest) => {
      if (!req.model) return Promise.reject('model: choose a checkpoint')
      const job: Job = {
        id: `job${++jobSeq}`,
        state: 'queued',
        request: { provider: 'local', model: req.model, mode: req.mode, prompt: req.prompt, negativePrompt: req.negativePrompt, params: { steps: req.steps, sampler: req.sampler, scheduler: req.scheduler, cfg_scale: req.cfgScale, width: req.width, height: req.height, seed: req.seed } },
        progress: { jobId: '', step: 0, total: req.steps, etaSeconds: 0 },
        createdAt: new Date().toISOString(),
      }
      jobs = [...jobs, job]
      runJob(job, req)
      return delay(job, 60)
    },
    CountTokens: (text: string) => {
      const tokens = (text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []).length
      return delay({ tokens, chunks: Math.max(1, Math.ceil(tokens / 75)) }, 40)
    },
    SaveUpload: (name: string) => delay(`/home/ada/.cache/DreamLayer/uploads/${name}`),
    ReadPNGInfo: () => delay(samplePNGInfo()),
    ReadPNGInfoData: () => delay(samplePNGInfo()),
    SaveOutputAs: (id: string) => delay(`/home/ada/Pictures/${id}.png`),
    ListWorkflowTemplates: () => delay(sampleTemplates()),
    LoadWorkflowTemplate: (id: string) => delay(sampleWorkflow({ template: id, name: id.split('/').pop() ?? id })),
    LoadWorkflowData: (name: string) =>
      name.toLowerCase().endsWith('.png') || name.toLowerCase().endsWith('.json')
        ? delay(sampleWorkflow({ name, source: name.toLowerCase().endsWith('.png') ? 'png' : 'json', template: undefined, description: undefined }))
        : Promise.reject(`load ${name}: not a workflow`),
    RunWorkflow: (req: WorkflowRunRequest) => {
      if (req.target === 'remote' && (settings.comfyui?.servers ?? []).length === 0) return Promise.reject('no ComfyUI servers configured (Settings → ComfyUI servers)')
      const value = (node: string, input: string, dflt: number) => Number(req.values.find((v) => v.node === node && v.input === input)?.value ?? dflt)
      const steps = value('3', 'steps', 20)
      const job: Job = {
        id: `job${++jobSeq}`,
        state: 'queued',
        request: { provider: req.target === 'remote' ? 'comfyui' : 'workflow', model: req.name || req.template || 'workflow', mode: 'workflow', prompt: String(req.values.find((v) => v.node === '6')?.value ?? 'a beautiful landscape'), negativePrompt: '', params: {} },
        progress: { jobId: '', step: 0, total: steps, etaSeconds: 0 },
        createdAt: new Date().toISOString(),
      }
      jobs = [...jobs, job]
      runJob(job, { prompt: job.request!.prompt, steps, width: value('5', 'width', 512), height: value('5', 'height', 512), seed: value('3', 'seed', 0) } as GenerateRequest)
      return delay(job, 60)
    },
    CheckComfyServers: (urls: string[]) => {
      const list = urls.length > 0 ? urls : (settings.comfyui?.servers ?? [])
      return delay(list.map((url, i) => (i % 2 === 1 ? { url, up: false, busy: 0, err: 'dial tcp: connection refused' } : { url, up: true, busy: 0 })), 400)
    },
  }

  function update(job: Job, patch: Partial<Job>) {
    Object.assign(job, patch)
    jobs = jobs.map((j) => (j.id === job.id ? job : j))
    emit(EVENTS.jobsChanged, structuredClone(job))
  }

  // Walks a job through its steps with blurred-to-sharp previews, as the engine reports them.
  function runJob(job: Job, req: GenerateRequest) {
    const seed = req.seed >= 0 ? req.seed : Math.floor(Math.random() * 2 ** 31)
    const hue = seed % HUES.length
    let step = 0
    setTimeout(() => update(job, { state: 'running', startedAt: new Date().toISOString() }), 300)
    const timer = setInterval(() => {
      if (cancelled.has(job.id)) {
        clearInterval(timer)
        update(job, { state: 'cancelled', finishedAt: new Date().toISOString() })
        return
      }
      step++
      const blur = Math.max(0, 12 - (12 * step) / req.steps)
      const preview = art(hue, req.width / 8, req.height / 8).replace('%3Cdefs%3E', encodeURIComponent(`<filter id="b"><feGaussianBlur stdDeviation="${blur}"/></filter>`) + '%3Cdefs%3E').replace('%3Crect%20', '%3Crect%20filter%3D%22url(%23b)%22%20')
      emit(EVENTS.jobsProgress, { jobId: job.id, step, total: req.steps, etaSeconds: (req.steps - step) * 0.25, preview })
      if (step >= req.steps) {
        clearInterval(timer)
        const out = { ...sampleOutputs(1)[0]!, id: `g${job.id}`, jobId: job.id, path: `/home/ada/Pictures/DreamLayer/${job.id}.png`, prompt: req.prompt, seed, width: req.width, height: req.height, url: art(hue, req.width / 8, req.height / 8), thumbUrl: art(hue, req.width / 8, req.height / 8), createdAt: new Date().toISOString() }
        outputs = [out, ...outputs]
        update(job, { state: 'done', finishedAt: new Date().toISOString(), outputs: [{ path: out.path, width: req.width, height: req.height, seed }] })
        emit(EVENTS.galleryChanged, { type: 'added', id: out.id })
      }
    }, 250)
  }

  const noop = () => {}
  const runtime = {
    EventsOnMultiple: (name: string, cb: Callback, _max: number) => {
      const set = listeners.get(name) ?? new Set<Callback>()
      set.add(cb)
      listeners.set(name, set)
      return () => set.delete(cb)
    },
    EventsOff: (name: string, ...more: string[]) => [name, ...more].forEach((n) => listeners.delete(n)),
    EventsOffAll: () => listeners.clear(),
    EventsEmit: (name: string, ...data: unknown[]) => emit(name, data[0]),
    WindowSetDarkTheme: noop,
    WindowSetLightTheme: noop,
    WindowSetSystemDefaultTheme: noop,
    LogPrint: noop,
    LogInfo: noop,
    LogError: noop,
    LogWarning: noop,
    LogDebug: noop,
    LogTrace: noop,
    LogFatal: noop,
    BrowserOpenURL: (url: string) => window.open(url, '_blank'),
  }

  Object.assign(window, { go: { main: { App } }, runtime, dreamlayerMock: { emit, models: () => models } })
  if (!empty) {
    // Show a notice after start, as the backend does for a repaired settings file.
    setTimeout(() => emit(EVENTS.appNotice, { level: 'info', message: 'Development mode: sample data from src/dev/mock-backend.ts' }), 900)
  }
}

function spread(label: string, count: number, min: number, p25: number, median: number, p75: number, max: number): StatSpread {
  return { label, count, min, p25, median, p75, max, mean: (min + 2 * median + max) / 4 }
}

/** Sample stats for the dev page: a week of local and cloud jobs. */
function mockStats(rangeHours: number): StatsSummary {
  const now = Date.now()
  const hours = rangeHours || 24 * 30
  const bucketSeconds = hours <= 48 ? 3600 : 86400
  const n = Math.min(60, Math.ceil((hours * 3600) / bucketSeconds))
  const start = now - n * bucketSeconds * 1000
  const buckets = Array.from({ length: n }, (_, i) => ({
    start: new Date(start + i * bucketSeconds * 1000).toISOString(),
    done: (i * 7) % 11,
    failed: i % 9 === 4 ? 1 : 0,
    cancelled: i % 6 === 2 ? 1 : 0,
  }))
  const done = buckets.reduce((a, b) => a + b.done, 0)
  const failed = buckets.reduce((a, b) => a + b.failed, 0)
  const cancelled = buckets.reduce((a, b) => a + b.cancelled, 0)
  return {
    since: rangeHours ? new Date(now - rangeHours * 3600_000).toISOString() : undefined,
    until: new Date(now).toISOString(),
    jobs: done + failed + cancelled,
    images: done * 2,
    outcomes: { done, failed, cancelled, successRate: done / Math.max(1, done + failed) },
    timeline: { start: new Date(start).toISOString(), bucketSeconds, buckets },
    imageSeconds: {
      overall: spread('all', done, 2.1, 4.8, 7.9, 14.2, 41),
      byModel: [spread('dreamshaper_8', 41, 3.2, 5.1, 6.4, 8.8, 19), spread('juggernautXL', 17, 9.5, 13, 16.2, 21, 41), spread('dall-e-3', 6, 8, 10.5, 12.1, 14, 18)],
      bySize: [spread('512×768', 35, 3.2, 4.9, 6.1, 8, 16), spread('1024×1024', 29, 8, 11.4, 14.8, 19.5, 41)],
      byDevice: [spread('cuda', 44, 2.1, 4.5, 6.9, 12.5, 27), spread('cpu', 14, 28, 33, 36, 39, 41), spread('openai', 6, 8, 10.5, 12.1, 14, 18)],
    },
    responseSeconds: [spread('openai', 6, 8, 10.5, 12.1, 14, 18), spread('ideogram', 4, 5.5, 6.2, 7, 9.1, 11)],
    resources: [
      {
        device: 'cuda',
        peakRamBytes: spread('ram', 44, 3.1 * GB, 3.4 * GB, 3.6 * GB, 4.2 * GB, 6.8 * GB),
        peakVramBytes: spread('vram', 44, 4.2 * GB, 5.1 * GB, 5.6 * GB, 7.9 * GB, 9.4 * GB),
        cpuCores: spread('cpu', 44, 0.9, 1.1, 1.2, 1.4, 2.2),
      },
      {
        device: 'cpu',
        peakRamBytes: spread('ram', 14, 5.2 * GB, 5.8 * GB, 6.1 * GB, 7.4 * GB, 11 * GB),
        peakVramBytes: spread('vram', 0, 0, 0, 0, 0, 0),
        cpuCores: spread('cpu', 14, 9.8, 12.6, 14.1, 15.2, 15.8),
      },
    ],
  }
}
