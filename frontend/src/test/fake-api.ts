// Test double for src/lib/api.ts (installed by setup.ts with vi.mock). Every
// method is a vi.fn backed by an in-memory backend that tests can seed,
// override per call, and drive with emit() as Go would.
import { vi } from 'vitest'
import type { EventName } from '@/lib/events'
import { EVENTS } from '@/lib/events'
import type { CloudModel, GalleryFilter, GenerateRequest, KeyTest, Job, KeyState, KeyStatus, Model, OutputItem, PNGInfo, Provider, Settings, StatsSummary, Style, Theme } from '@/lib/types'
import { makeKeyState, makeSettings, makeStats } from './fixtures'
import { sampleTemplates, sampleWorkflow } from '@/dev/mock-workflows'
import type { ComfyServerStatus, WorkflowRunRequest } from '@/lib/types'

export interface FakeBackend {
  settings: Settings
  models: Model[]
  outputs: OutputItem[]
  keys: KeyState
  styles: Style[]
  jobs: Job[]
  cloudModels: CloudModel[]
  /** Answers of testKey per provider; a provider not listed answers "invalid". */
  keyTests: Partial<Record<Provider, KeyTest>>
  /** What getStats answers, whatever the range. */
  stats: StatsSummary
  listeners: Map<string, Set<(payload: unknown) => void>>
}

export const backend: FakeBackend = {
  settings: makeSettings(),
  models: [],
  outputs: [],
  keys: makeKeyState(),
  styles: [],
  jobs: [],
  cloudModels: [],
  keyTests: {},
  stats: makeStats(),
  listeners: new Map(),
}

const clone = <T>(v: T): T => structuredClone(v)

export class BackendError extends Error {
  override name = 'BackendError'
}

export const api = {
  version: vi.fn(async () => ({ version: '0.0.0-test', commit: 'test', goVersion: 'go1.26', os: 'linux', arch: 'amd64' })),
  getPaths: vi.fn(async () => ({
    configDir: '/cfg',
    dataDir: '/data',
    logsDir: '/data/logs',
    cacheDir: '/cache',
    databasePath: '/data/db',
    settingsPath: '/cfg/settings.json',
    defaultModelsRoot: '/default/models',
    defaultOutputDir: '/default/out',
  })),
  getSettings: vi.fn(async () => clone(backend.settings)),
  saveSettings: vi.fn(async (s: Settings) => {
    backend.settings = clone(s)
    return clone(s)
  }),
  chooseFolder: vi.fn(async (_title: string, _start: string) => ''),
  listModels: vi.fn(async () => clone(backend.models)),
  openModelsFolder: vi.fn(async (_kind: string) => {}),
  revealModel: vi.fn(async (_id: string) => {}),
  rescanModels: vi.fn(async () => {}),
  getKeyState: vi.fn(async () => clone(backend.keys)),
  setKey: vi.fn(async (provider: Provider, key: string): Promise<KeyStatus> => {
    const k = backend.keys.keys.find((x) => x.provider === provider)
    if (!k) throw new BackendError(`unknown provider ${provider}`)
    Object.assign(k, { set: true, source: 'keychain', last4: key.slice(-4) })
    return clone(k)
  }),
  deleteKey: vi.fn(async (provider: Provider): Promise<KeyStatus> => {
    const k = backend.keys.keys.find((x) => x.provider === provider)
    if (!k) throw new BackendError(`unknown provider ${provider}`)
    Object.assign(k, { set: false, source: '', last4: '' })
    return clone(k)
  }),
  testKey: vi.fn(async (provider: Provider): Promise<KeyTest> =>
    clone(backend.keyTests[provider] ?? { provider, status: 'invalid', message: 'no key' }),
  ),
  listCloudModels: vi.fn(async () => {
    // Locking follows the key state, as in Go.
    const set = (p: string) => backend.keys.keys.some((k) => k.provider === p && k.set)
    return clone(backend.cloudModels).map((m) => ({ ...m, locked: !set(m.provider) }))
  }),
  listOutputs: vi.fn(async (query: string, offset: number, limit: number) => {
    const hits = backend.outputs.filter((o) => query === '' || o.prompt.includes(query))
    return { items: clone(hits.slice(offset, offset + limit)), total: hits.length }
  }),
  // Filters as in Go: every set field must match; text is a plain substring here.
  listOutputsFiltered: vi.fn(async (f: GalleryFilter, offset: number, limit: number) => {
    const hits = backend.outputs.filter((o) => {
      const t = Date.parse(o.createdAt)
      return (
        (f.text === '' || o.prompt.includes(f.text)) &&
        (f.model === '' || o.model === f.model) &&
        (f.provider === '' || o.provider === f.provider) &&
        (f.sinceMs === 0 || t >= f.sinceMs) &&
        (f.untilMs === 0 || t < f.untilMs)
      )
    })
    return { items: clone(hits.slice(offset, offset + limit)), total: hits.length }
  }),
  galleryFacets: vi.fn(async () => {
    const count = (key: 'model' | 'provider') => {
      const m = new Map<string, number>()
      for (const o of backend.outputs) if (o[key]) m.set(o[key], (m.get(o[key]) ?? 0) + 1)
      return [...m].map(([value, n]) => ({ value, count: n })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
    }
    const times = backend.outputs.map((o) => o.createdAt).sort()
    return { models: count('model'), providers: count('provider'), oldest: times[0] ?? '', newest: times.at(-1) ?? '' }
  }),
  openOutput: vi.fn(async (_id: string) => {}),
  revealOutput: vi.fn(async (_id: string) => {}),
  deleteOutput: vi.fn(async (id: string) => {
    backend.outputs = backend.outputs.filter((o) => o.id !== id)
  }),
  randomPrompt: vi.fn(async (_seed: number) => ({ positive: 'a cat', negative: 'blurry' })),
  listStyles: vi.fn(async () => clone(backend.styles)),
  saveStyle: vi.fn(async (s: Style) => {
    backend.styles = [...backend.styles.filter((x) => x.name !== s.name), s]
    return clone(backend.styles)
  }),
  deleteStyle: vi.fn(async (name: string) => {
    backend.styles = backend.styles.filter((x) => x.name !== name)
    return clone(backend.styles)
  }),
  listJobs: vi.fn(async () => clone(backend.jobs)),
  cancelJob: vi.fn(async (_id: string) => {}),
  clearFinishedJobs: vi.fn(async () => {
    backend.jobs = backend.jobs.filter((j) => j.state === 'queued' || j.state === 'running')
  }),
  moveJob: vi.fn(async (id: string, toIndex: number) => {
    // As Go does: permute the lane's order values and announce the new order.
    const job = backend.jobs.find((j) => j.id === id)
    if (!job) throw new BackendError(`move job ${id}: job not found`)
    if (job.state !== 'queued') throw new BackendError(`move job ${id} (${job.state}): job is not queued`)
    const provider = job.request?.provider ?? ''
    const lane = backend.jobs.filter((j) => j.state === 'queued' && (j.request?.provider ?? '') === provider).sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
    const orders = lane.map((j) => j.order ?? 0)
    const next = lane.filter((j) => j !== job)
    next.splice(Math.min(toIndex, next.length), 0, job)
    next.forEach((j, i) => (j.order = orders[i]))
    emit(EVENTS.jobsReordered, { provider, jobs: next.map((j) => ({ id: j.id, order: j.order ?? 0 })) })
  }),
  getStats: vi.fn(async (_rangeHours: number) => clone(backend.stats)),
  generate: vi.fn(async (req: GenerateRequest): Promise<Job> => {
    const job: Job = {
      id: `job${backend.jobs.length + 1}`,
      state: 'queued',
      request: { provider: req.provider || 'local', model: req.model, mode: req.mode, prompt: req.prompt, negativePrompt: req.negativePrompt, params: {} },
      progress: { jobId: '', step: 0, total: req.steps, etaSeconds: 0 },
      createdAt: '2025-01-01T00:00:00Z',
    }
    job.progress = { jobId: job.id, step: 0, total: req.steps, etaSeconds: 0 }
    backend.jobs.push(job)
    return clone(job)
  }),
  countTokens: vi.fn(async (text: string) => {
    // Words stand in for CLIP tokens in tests.
    const tokens = text.trim() === '' ? 0 : text.trim().split(/\s+/).length
    return { tokens, chunks: Math.max(1, Math.ceil(tokens / 75)) }
  }),
  saveUpload: vi.fn(async (name: string, _data: string) => `/cache/uploads/${name}`),
  readPNGInfo: vi.fn(async (_path: string): Promise<PNGInfo> => ({ source: 'none', chunks: {} })),
  readPNGInfoData: vi.fn(async (_data: string): Promise<PNGInfo> => ({ source: 'none', chunks: {} })),
  saveOutputAs: vi.fn(async (id: string) => `/saved/${id}.png`),
  listWorkflowTemplates: vi.fn(async () => sampleTemplates()),
  loadWorkflowTemplate: vi.fn(async (id: string) => sampleWorkflow({ template: id, name: id.split('/').pop() ?? id })),
  loadWorkflowData: vi.fn(async (name: string, _data: string) =>
    sampleWorkflow({ name, source: name.toLowerCase().endsWith('.png') ? 'png' : 'json', template: undefined, description: undefined }),
  ),
  runWorkflow: vi.fn(async (req: WorkflowRunRequest): Promise<Job> => {
    const id = `job${backend.jobs.length + 1}`
    const job: Job = {
      id,
      state: 'queued',
      request: { provider: req.target === 'remote' ? 'comfyui' : 'workflow', model: req.name || req.template || 'workflow', mode: 'workflow', prompt: '', negativePrompt: '', params: {} },
      progress: { jobId: id, step: 0, total: 0 },
      createdAt: '2025-01-01T00:00:00Z',
    }
    backend.jobs.push(job)
    return clone(job)
  }),
  checkComfyServers: vi.fn(async (urls: string[]): Promise<ComfyServerStatus[]> =>
    urls.map((url) => (url.includes('down') ? { url, up: false, busy: 0, err: 'connection refused' } : { url, up: true, busy: 0 })),
  ),
}

export type Api = typeof api

export function onEvent<T>(name: EventName, cb: (payload: T) => void): () => void {
  const set = backend.listeners.get(name) ?? new Set()
  const fn = cb as (payload: unknown) => void
  set.add(fn)
  backend.listeners.set(name, set)
  return () => {
    set.delete(fn)
  }
}

export const setWindowTheme = vi.fn((_theme: Theme) => {})

/** Delivers an event to every subscriber, as the Wails runtime would. */
export function emit(name: EventName, payload: unknown): void {
  for (const cb of [...(backend.listeners.get(name) ?? [])]) cb(payload)
}

export function listenerCount(): number {
  let n = 0
  for (const set of backend.listeners.values()) n += set.size
  return n
}

export function resetFakeBackend(): void {
  backend.settings = makeSettings()
  backend.models = []
  backend.outputs = []
  backend.keys = makeKeyState()
  backend.styles = []
  backend.jobs = []
  backend.cloudModels = []
  backend.keyTests = {}
  backend.stats = makeStats()
  backend.listeners.clear()
  for (const fn of Object.values(api)) fn.mockReset()
}
