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
  /** Remote ComfyUI servers for workflow jobs (Go always sends it). */
  comfyui?: ComfyUISettings
}

export interface ComfyUISettings {
  /** Base URLs such as "http://gpu-box:8188". */
  servers: string[]
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

/** Narrows a gallery listing; empty strings and 0 mean "any". */
export interface GalleryFilter {
  text: string
  model: string
  provider: string
  /** [sinceMs, untilMs) in Unix milliseconds; 0 is unbounded. */
  sinceMs: number
  untilMs: number
}

export interface FacetValue {
  value: string
  count: number
}

/** The filter choices the recorded outputs offer, most used first. */
export interface GalleryFacets {
  models: FacetValue[]
  providers: FacetValue[]
  oldest: string
  newest: string
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

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

/** What a job was asked to do; params are the engine request's fields by their JSON (snake_case) names. */
export interface JobRequest {
  provider: string
  model: string
  mode: string
  prompt: string
  negativePrompt: string
  params?: Record<string, unknown>
}

export interface JobOutput {
  path: string
  width: number
  height: number
  seed: number
  metadata?: Record<string, unknown>
}

export interface JobProgress {
  jobId: string
  step: number
  total: number
  etaSeconds?: number
  /** A data: URL of the latest step's image, when the engine sent one. */
  preview?: string
  message?: string
}

/** A queued, running or finished generation. */
export interface Job {
  id: string
  request?: JobRequest
  state: JobState
  error?: string
  progress?: JobProgress
  outputs?: JobOutput[]
  createdAt?: string
  startedAt?: string
  finishedAt?: string
  /** Sorts one provider's queued jobs in the order they will start (smaller first). */
  order?: number
}

/** Payload of jobs:reordered: one provider's queued jobs in their new start order. */
export interface JobsReorder {
  provider: string
  jobs: { id: string; order: number }[]
}

/** Five-number summary of one group (seconds, bytes or cores, by context). */
export interface StatSpread {
  label: string
  count: number
  min: number
  p25: number
  median: number
  p75: number
  max: number
  mean: number
}

export interface StatOutcomes {
  done: number
  failed: number
  cancelled: number
  /** done / (done + failed); cancelled jobs did not fail. */
  successRate: number
}

export interface StatBucket {
  start: string
  done: number
  failed: number
  cancelled: number
}

export interface StatResources {
  device: string
  peakRamBytes: StatSpread
  peakVramBytes: StatSpread
  cpuCores: StatSpread
}

/** What the Stats page shows for one time range (Go stats.Summary). */
export interface StatsSummary {
  since?: string
  until: string
  jobs: number
  images: number
  outcomes: StatOutcomes
  timeline: { start: string; bucketSeconds: number; buckets: StatBucket[] }
  imageSeconds: { overall: StatSpread; byModel: StatSpread[]; bySize: StatSpread[]; byDevice: StatSpread[] }
  responseSeconds: StatSpread[]
  resources: StatResources[]
}

export type GenerateMode = 'txt2img' | 'img2img' | 'inpaint'
export type ResizeMode = 'just_resize' | 'crop_and_resize' | 'resize_and_fill'
export type InpaintFill = 'fill' | 'original' | 'latent_noise' | 'latent_nothing'

export interface HiresRequest {
  scale: number
  upscaler: 'latent' | 'lanczos'
  steps: number
  denoise: number
}

export interface RefinerRequest {
  /** Catalog id of the refiner checkpoint. */
  model: string
  switchAt: number
}

export interface LoraRequest {
  name: string
  weight: number
}

/** One provider-specific setting of a cloud model (quality, style…), sent as a string. */
export interface CloudOption {
  key: string
  label: string
  kind: 'enum' | 'int' | 'float' | 'bool' | 'text'
  values?: string[]
  default?: string
  min?: number
  max?: number
  help?: string
}

export interface SizeRange {
  minWidth: number
  maxWidth: number
  minHeight: number
  maxHeight: number
  multiple?: number
}

/** What a cloud model accepts; the Generate form shows only these controls. */
export interface CloudCapabilities {
  textToImage: boolean
  imageEdit: boolean
  maxInputImages?: number
  mask: boolean
  negativePrompt: boolean
  seed: boolean
  sizes?: string[]
  sizeRange?: SizeRange
  aspectRatios?: string[]
  maxImages: number
  options?: CloudOption[]
}

export interface CloudModel {
  provider: Provider
  id: string
  name: string
  capabilities: CloudCapabilities
  /** No key is set for the provider. */
  locked: boolean
}

export interface KeyTest {
  provider: Provider
  status: 'valid' | 'invalid' | 'unreachable'
  message: string
}

/** The argument of the bound Generate method. */
export interface GenerateRequest {
  /** "" or "local" for checkpoints; a cloud provider otherwise. */
  provider: string
  /** Catalog id of a checkpoint, or the cloud model's id. */
  model: string
  mode: GenerateMode
  prompt: string
  negativePrompt: string
  sampler: string
  scheduler: string
  steps: number
  cfgScale: number
  width: number
  height: number
  /** -1 picks a random seed. */
  seed: number
  subseed: number
  subseedStrength: number
  batchSize: number
  batchCount: number
  clipSkip: number
  /** Catalog id of a VAE, or "" for the checkpoint's own. */
  vae: string
  /** A file path (SaveUpload's answer) for img2img and inpaint. */
  initImage: string
  strength: number
  resizeMode: ResizeMode
  mask: string
  maskBlur: number
  inpaintFill: InpaintFill
  inpaintOnlyMasked: boolean
  inpaintPadding: number
  hires: HiresRequest | null
  refiner: RefinerRequest | null
  loras: LoraRequest[]
  /** Cloud: "1024x1024" for models with fixed sizes. */
  size: string
  /** Cloud: "16:9" for models that take an aspect ratio. */
  aspectRatio: string
  /** Cloud: the model's own options by key. */
  options: Record<string, string>
}

export interface TokenCount {
  tokens: number
  chunks: number
}

export type PNGInfoSource = 'dreamlayer' | 'a1111' | 'comfyui' | 'invokeai' | 'none'

export interface PNGParameters {
  prompt: string
  negative_prompt: string
  steps: number
  sampler: string
  schedule: string
  cfg_scale: number
  seed: number
  width: number
  height: number
  model_hash?: string
  model?: string
  denoising_strength?: number
  clip_skip?: number
  extra?: { key: string; value: string }[]
}

export interface PNGInfo {
  source: PNGInfoSource
  parameters?: PNGParameters
  chunks: Record<string, string>
}

export type NoticeLevel = 'info' | 'warning' | 'error'

export interface Notice {
  level: NoticeLevel
  message: string
}

/** One literal (widget) input of a workflow node, as a form field. */
export interface WorkflowField {
  node: string
  input: string
  type: 'INT' | 'FLOAT' | 'STRING' | 'BOOLEAN' | 'COMBO' | string
  value: unknown
  choices?: string[]
  min?: number
  max?: number
  /** checkpoint, vae, lora or image: the value names a file in that folder. */
  file?: string
  multiline?: boolean
}

/** A node titled "input:NAME": what a template exposes. */
export interface WorkflowNamedInput {
  name: string
  node: string
  class: string
  fields: WorkflowField[]
}

export interface WorkflowNode {
  id: string
  class: string
  title?: string
  /** False for a node type only a ComfyUI server with the extension can run. */
  known: boolean
  fields: WorkflowField[]
}

export interface WorkflowTemplate {
  id: string
  name: string
  description: string
  builtin: boolean
  inputs: WorkflowNamedInput[]
}

/** A loaded graph: its nodes and editable inputs. */
export interface LoadedWorkflow {
  name: string
  description?: string
  source: 'template' | 'json' | 'png' | string
  template?: string
  /** API-format JSON, sent back with the run. */
  graph: string
  nodes: WorkflowNode[]
  inputs: WorkflowNamedInput[]
  /** Why it cannot run on this computer; it may still run on ComfyUI servers. */
  problem?: string
}

export type WorkflowTarget = 'local' | 'remote'

export interface WorkflowValue {
  node: string
  input: string
  value: unknown
}

export interface WorkflowRunRequest {
  template?: string
  graph?: string
  name?: string
  values: WorkflowValue[]
  target: WorkflowTarget
}

/** One ComfyUI server's health. */
export interface ComfyServerStatus {
  url: string
  up: boolean
  busy: number
  err?: string
}
