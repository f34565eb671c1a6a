// The one seam between the UI and the Go backend. Only this file imports the
// generated Wails bindings; stores call `api` and `onEvent`, components call
// stores. Tests replace this module with src/test/fake-api.ts.
import * as App from '../../wailsjs/go/main/App'
import {
  EventsOn,
  WindowSetDarkTheme,
  WindowSetLightTheme,
  WindowSetSystemDefaultTheme,
} from '../../wailsjs/runtime/runtime'
import type { EventName } from './events'
import type {
  CloudModel,
  ComfyServerStatus,
  GenerateRequest,
  Job,
  GalleryFacets,
  GalleryFilter,
  KeyState,
  KeyStatus,
  KeyTest,
  LoadedWorkflow,
  Model,
  OutputPage,
  Paths,
  PNGInfo,
  PromptPair,
  Provider,
  Settings,
  StatsSummary,
  Style,
  Theme,
  TokenCount,
  VersionInfo,
  WorkflowRunRequest,
  WorkflowTemplate,
} from './types'
import { errorMessage } from './utils'

/** The bound Go methods with the contract's types (see types.ts). */
export interface Bindings {
  Version(): Promise<VersionInfo>
  GetPaths(): Promise<Paths>
  GetSettings(): Promise<Settings>
  SaveSettings(s: Settings): Promise<Settings>
  ChooseFolder(title: string, start: string): Promise<string>
  ListModels(): Promise<Model[]>
  OpenModelsFolder(kind: string): Promise<void>
  RevealModel(id: string): Promise<void>
  RescanModels(): Promise<void>
  GetKeyState(): Promise<KeyState>
  SetKey(provider: Provider, key: string): Promise<KeyStatus>
  DeleteKey(provider: Provider): Promise<KeyStatus>
  TestKey(provider: Provider): Promise<KeyTest>
  ListCloudModels(): Promise<CloudModel[]>
  ListOutputs(query: string, offset: number, limit: number): Promise<OutputPage>
  ListOutputsFiltered(filter: GalleryFilter, offset: number, limit: number): Promise<OutputPage>
  GalleryFacets(): Promise<GalleryFacets>
  OpenOutput(id: string): Promise<void>
  RevealOutput(id: string): Promise<void>
  DeleteOutput(id: string): Promise<void>
  RandomPrompt(seed: number): Promise<PromptPair>
  ListStyles(): Promise<Style[]>
  SaveStyle(s: Style): Promise<Style[]>
  DeleteStyle(name: string): Promise<Style[]>
  ListJobs(): Promise<Job[]>
  CancelJob(id: string): Promise<void>
  ClearFinishedJobs(): Promise<void>
  MoveJob(id: string, toIndex: number): Promise<void>
  GetStats(rangeHours: number): Promise<StatsSummary>
  Generate(req: GenerateRequest): Promise<Job>
  CountTokens(text: string): Promise<TokenCount>
  /** Stores an image in the app's cache; Go's []byte arrives as base64. Returns the file's path. */
  SaveUpload(name: string, dataBase64: string): Promise<string>
  ReadPNGInfo(path: string): Promise<PNGInfo>
  ReadPNGInfoData(dataBase64: string): Promise<PNGInfo>
  ListWorkflowTemplates(): Promise<WorkflowTemplate[]>
  LoadWorkflowTemplate(id: string): Promise<LoadedWorkflow>
  /** A JSON workflow or a ComfyUI PNG (its "prompt" chunk), as base64. */
  LoadWorkflowData(name: string, dataBase64: string): Promise<LoadedWorkflow>
  RunWorkflow(req: WorkflowRunRequest): Promise<Job>
  /** Health of the given servers, or of the configured ones when urls is empty. */
  CheckComfyServers(urls: string[]): Promise<ComfyServerStatus[]>
  /** Copies an output where the native save dialog says; '' when the user cancelled. */
  SaveOutputAs(id: string): Promise<string>
}

// The generated module must export every method above; this assignment fails
// to compile when a Go method is renamed or removed. The generated parameter
// types are Wails model classes, so the typed view is applied with a cast.
const generated: { [K in keyof Bindings]: (...args: never[]) => Promise<unknown> } = App
const bound = generated as unknown as Bindings

/** Error raised for every rejected backend call; Wails rejects with a bare string. */
export class BackendError extends Error {
  override name = 'BackendError'
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    throw new BackendError(errorMessage(e))
  }
}

export const api = {
  version: () => call(() => bound.Version()),
  getPaths: () => call(() => bound.GetPaths()),
  getSettings: () => call(() => bound.GetSettings()),
  saveSettings: (s: Settings) => call(() => bound.SaveSettings(s)),
  chooseFolder: (title: string, start: string) => call(() => bound.ChooseFolder(title, start)),
  listModels: () => call(() => bound.ListModels()),
  openModelsFolder: (kind: string) => call(() => bound.OpenModelsFolder(kind)),
  revealModel: (id: string) => call(() => bound.RevealModel(id)),
  rescanModels: () => call(() => bound.RescanModels()),
  getKeyState: () => call(() => bound.GetKeyState()),
  setKey: (provider: Provider, key: string) => call(() => bound.SetKey(provider, key)),
  deleteKey: (provider: Provider) => call(() => bound.DeleteKey(provider)),
  testKey: (provider: Provider) => call(() => bound.TestKey(provider)),
  listCloudModels: () => call(() => bound.ListCloudModels()),
  listOutputs: (query: string, offset: number, limit: number) =>
    call(() => bound.ListOutputs(query, offset, limit)),
  listOutputsFiltered: (filter: GalleryFilter, offset: number, limit: number) =>
    call(() => bound.ListOutputsFiltered(filter, offset, limit)),
  galleryFacets: () => call(() => bound.GalleryFacets()),
  openOutput: (id: string) => call(() => bound.OpenOutput(id)),
  revealOutput: (id: string) => call(() => bound.RevealOutput(id)),
  deleteOutput: (id: string) => call(() => bound.DeleteOutput(id)),
  randomPrompt: (seed: number) => call(() => bound.RandomPrompt(seed)),
  listStyles: () => call(() => bound.ListStyles()),
  saveStyle: (s: Style) => call(() => bound.SaveStyle(s)),
  deleteStyle: (name: string) => call(() => bound.DeleteStyle(name)),
  listJobs: () => call(() => bound.ListJobs()),
  cancelJob: (id: string) => call(() => bound.CancelJob(id)),
  clearFinishedJobs: () => call(() => bound.ClearFinishedJobs()),
  moveJob: (id: string, toIndex: number) => call(() => bound.MoveJob(id, toIndex)),
  getStats: (rangeHours: number) => call(() => bound.GetStats(rangeHours)),
  generate: (req: GenerateRequest) => call(() => bound.Generate(req)),
  countTokens: (text: string) => call(() => bound.CountTokens(text)),
  saveUpload: (name: string, dataBase64: string) => call(() => bound.SaveUpload(name, dataBase64)),
  readPNGInfo: (path: string) => call(() => bound.ReadPNGInfo(path)),
  readPNGInfoData: (dataBase64: string) => call(() => bound.ReadPNGInfoData(dataBase64)),
  listWorkflowTemplates: () => call(() => bound.ListWorkflowTemplates()),
  loadWorkflowTemplate: (id: string) => call(() => bound.LoadWorkflowTemplate(id)),
  loadWorkflowData: (name: string, dataBase64: string) => call(() => bound.LoadWorkflowData(name, dataBase64)),
  runWorkflow: (req: WorkflowRunRequest) => call(() => bound.RunWorkflow(req)),
  checkComfyServers: (urls: string[]) => call(() => bound.CheckComfyServers(urls)),
  saveOutputAs: (id: string) => call(() => bound.SaveOutputAs(id)),
}

export type Api = typeof api

/**
 * Subscribes to a backend event and returns the unsubscribe function; callers
 * must call it in their effect's cleanup. Outside the Wails window (no
 * runtime) it subscribes to nothing.
 */
export function onEvent<T>(name: EventName, cb: (payload: T) => void): () => void {
  if (typeof window === 'undefined' || !('runtime' in window)) return () => {}
  return EventsOn(name, (payload: T) => cb(payload))
}

/** Tells the native window which title-bar theme to use (Windows; a no-op elsewhere). */
export function setWindowTheme(theme: Theme): void {
  if (typeof window === 'undefined' || !('runtime' in window)) return
  try {
    if (theme === 'dark') WindowSetDarkTheme()
    else if (theme === 'light') WindowSetLightTheme()
    else WindowSetSystemDefaultTheme()
  } catch {
    // Older runtimes lack these calls; the page theme still applies.
  }
}
