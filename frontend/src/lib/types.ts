// TypeScript mirror of the JSON contract of the bound Go App. Field names are
// the Go structs' json tags; keep both sides in step.

export type Theme = 'system' | 'light' | 'dark'
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type Device = 'auto' | 'cpu' | 'cuda'

export interface VersionInfo {
  version: string
  commit: string
  goVersion: string
  os: string
  arch: string
}

export interface Paths {
  configDir: string
  dataDir: string
  logsDir: string
  cacheDir: string
  databasePath: string
  settingsPath: string
  defaultModelsRoot: string
  defaultOutputDir: string
}

export interface EngineSettings {
  device: Device
  idleTimeoutMinutes: number
  memoryBudgetGB: number
}

export interface GenerationSettings {
  checkpoint: string
  sampler: string
  scheduler: string
  steps: number
  cfgScale: number
  width: number
  height: number
  seed: number
  clipSkip: number
  batchSize: number
}

export interface Settings {
  version: number
  theme: Theme
  modelsRoot: string
  extraModelRoots: string[]
  outputDir: string
  logLevel: LogLevel
  engine: EngineSettings
  generation: GenerationSettings
}

export const MODEL_KINDS = [
  'checkpoint',
  'lora',
  'vae',
  'controlnet',
  'upscaler',
  'embedding',
  'taesd',
  'text_encoder',
  'unet',
  'unknown',
] as const
export type ModelKind = (typeof MODEL_KINDS)[number]

/**
 * Catalog family labels: the base family, with "-inpaint" for inpainting models or else "-v" for
 * v-prediction (Model.inpaint and Model.vPrediction say both). LoRAs, embeddings and ControlNets use
 * base families only.
 */
export const MODEL_FAMILIES = [
  'sd1',
  'sd1-inpaint',
  'sd1-v',
  'sd2',
  'sd2-inpaint',
  'sd2-v',
  'sdxl',
  'sdxl-inpaint',
  'sdxl-v',
  'sdxl-refiner',
  'sd3',
  'flux',
  'flux-inpaint',
  'unknown',
] as const
export type ModelFamily = (typeof MODEL_FAMILIES)[number]

export interface Model {
  id: string
  name: string
  fileName: string
  path: string
  root: string
  folder: string
  kind: ModelKind
  family: ModelFamily
  inpaint: boolean
  vPrediction: boolean
  baseModel?: string
  format: string
  size: number
  modTime: string
  /** Empty while the hash is being computed. */
  sha256: string
  autoV2: string
  hashing: boolean
  tensorCount: number
  dtypes: Record<string, number>
  metadata?: Record<string, string>
  status: 'ok' | 'unreadable'
  error?: string
}

export interface CatalogEvent {
  type: 'added' | 'changed' | 'removed'
  model: Model
}

export type Provider = 'openai' | 'ideogram' | 'bfl'

export interface KeyStatus {
  provider: Provider
  name: string
  set: boolean
  source: 'keychain' | 'env' | 'session' | ''
  last4: string
  envVar: string
}

export interface KeyState {
  keychainAvailable: boolean
  message: string
  keys: KeyStatus[]
}

export interface OutputItem {
  id: string
  jobId: string
  path: string
  provider: string
  model: string
  prompt: string
  negativePrompt: string
  seed: number
  width: number
  height: number
  params?: Record<string, unknown>
  createdAt: string
  exists: boolean
  url: string
  thumbUrl: string
}

export interface OutputPage {
  items: OutputItem[]
  total: number
}

export interface GalleryEvent {
  type: 'added' | 'deleted'
  id: string
}

export interface PromptPair {
  positive: string
  negative: string
}

export interface Style {
  name: string
  prompt: string
  negativePrompt: string
}

/**
 * A queued or running generation. The job service is still taking shape, so
 * only the fields the UI relies on are required.
 */
export interface Job {
  id: string
  state: string
  provider?: string
  model?: string
  prompt?: string
  createdAt?: string
  error?: string
  [extra: string]: unknown
}

export interface JobProgress {
  jobId: string
  step: number
  total: number
  preview?: string
  [extra: string]: unknown
}

export type NoticeLevel = 'info' | 'warning' | 'error'

export interface Notice {
  level: NoticeLevel
  message: string
}
