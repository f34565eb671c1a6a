import { create } from 'zustand'
import { api } from '@/lib/api'
import { readFile } from '@/lib/files'
import { notify } from '@/lib/notify'
import type { ComfyServerStatus, LoadedWorkflow, OutputItem, WorkflowField, WorkflowTarget, WorkflowTemplate, WorkflowValue } from '@/lib/types'
import { errorMessage } from '@/lib/utils'

const RESULT_RETRIES = 10
const RESULT_RETRY_MS = 300

/** The key of one form value: node id and input name. */
export function fieldKey(f: Pick<WorkflowField, 'node' | 'input'>): string {
  return `${f.node}.${f.input}`
}

export interface WorkflowsState {
  templates: WorkflowTemplate[]
  templatesLoaded: boolean
  templatesError: string | null
  /** The workflow in the form, and the template it came from (if any). */
  workflow: LoadedWorkflow | null
  loading: boolean
  loadError: string | null
  /** Edited values by fieldKey; untouched fields keep the graph's own. */
  values: Record<string, unknown>
  running: boolean
  /** The job of the last run, followed through the jobs store. */
  jobId: string | null
  /** Gallery items of finished runs, by job id. */
  results: Record<string, OutputItem[]>
  /** Health of the ComfyUI servers by URL, from the last check. */
  servers: Record<string, ComfyServerStatus>
  checking: boolean
  loadTemplates: () => Promise<void>
  openTemplate: (id: string) => Promise<void>
  openFile: (file: Blob & { name?: string }) => Promise<void>
  setValue: (f: WorkflowField, value: unknown) => void
  resetValues: () => void
  run: (target: WorkflowTarget) => Promise<boolean>
  loadResults: (jobId: string) => Promise<void>
  /** Checks the given URLs (or the configured servers when empty). */
  checkServers: (urls: string[]) => Promise<ComfyServerStatus[]>
}

export const initialWorkflowsState = {
  templates: [] as WorkflowTemplate[],
  templatesLoaded: false,
  templatesError: null,
  workflow: null,
  loading: false,
  loadError: null,
  values: {} as Record<string, unknown>,
  running: false,
  jobId: null,
  results: {} as Record<string, OutputItem[]>,
  servers: {} as Record<string, ComfyServerStatus>,
  checking: false,
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const useWorkflowsStore = create<WorkflowsState>()((set, get) => ({
  ...initialWorkflowsState,
  loadTemplates: async () => {
    try {
      const templates = await api.listWorkflowTemplates()
      set({ templates, templatesLoaded: true, templatesError: null })
    } catch (e) {
      set({ templatesLoaded: true, templatesError: errorMessage(e) })
    }
  },
  openTemplate: async (id) => {
    set({ loading: true, loadError: null })
    try {
      const workflow = await api.loadWorkflowTemplate(id)
      set({ workflow, values: {}, loading: false })
    } catch (e) {
      set({ loading: false, loadError: errorMessage(e) })
    }
  },
  openFile: async (file) => {
    set({ loading: true, loadError: null })
    try {
      const f = await readFile(file)
      const workflow = await api.loadWorkflowData(f.name, f.base64)
      set({ workflow, values: {}, loading: false })
    } catch (e) {
      set({ loading: false, loadError: errorMessage(e) })
    }
  },
  setValue: (f, value) => set({ values: { ...get().values, [fieldKey(f)]: value } }),
  resetValues: () => set({ values: {} }),
  run: async (target) => {
    const wf = get().workflow
    if (!wf) return false
    const values: WorkflowValue[] = Object.entries(get().values).map(([k, value]) => {
      const dot = k.indexOf('.')
      return { node: k.slice(0, dot), input: k.slice(dot + 1), value }
    })
    set({ running: true })
    try {
      const req = wf.template ? { template: wf.template, values, target } : { graph: wf.graph, name: wf.name, values, target }
      const job = await api.runWorkflow(req)
      set({ running: false, jobId: job.id })
      return true
    } catch (e) {
      set({ running: false })
      notify.error(`Could not run the workflow: ${errorMessage(e)}`)
      return false
    }
  },
  loadResults: async (jobId) => {
    // The history row can land a moment after the job's final event.
    for (let attempt = 0; attempt < RESULT_RETRIES; attempt++) {
      try {
        const page = await api.listOutputs('', 0, 48)
        const found = page.items.filter((i) => i.jobId === jobId)
        if (found.length > 0) {
          set({ results: { ...get().results, [jobId]: found } })
          return
        }
      } catch {
        // Retried below.
      }
      await sleep(RESULT_RETRY_MS)
    }
  },
  checkServers: async (urls) => {
    set({ checking: true })
    try {
      const list = await api.checkComfyServers(urls)
      set({ servers: { ...get().servers, ...Object.fromEntries(list.map((s) => [s.url, s])) }, checking: false })
      return list
    } catch (e) {
      set({ checking: false })
      notify.error(`Could not check the servers: ${errorMessage(e)}`)
      return []
    }
  },
}))
