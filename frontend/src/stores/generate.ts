import { useMemo } from 'react'
import { create } from 'zustand'
import { createJSONStorage, persist } from 'zustand/middleware'
import { api } from '@/lib/api'
import { readFile } from '@/lib/files'
import { choiceFor, PROVIDER_LABEL, servesTab } from '@/lib/cloud'
import { buildCloudRequest, buildRequest, defaultForm, formFromJob, formFromParameters, type GenForm } from '@/lib/generate'
import { notify } from '@/lib/notify'
import type { CloudModel, GenerateRequest, GenerationSettings, Job, Model, OutputItem, PNGParameters } from '@/lib/types'
import { errorMessage } from '@/lib/utils'
import { useCatalogStore } from './catalog'
import { useCloudStore } from './cloud'
import { useGalleryStore } from './gallery'
import { isLive, useJobsStore } from './jobs'
import { useSettingsStore } from './settings'

export type GenTab = 'txt2img' | 'img2img'

export interface GenerateState {
  tab: GenTab
  /** Edited forms per tab; a tab never edited follows the settings' defaults. */
  forms: Partial<Record<GenTab, GenForm>>
  /** The last job each tab started. */
  jobIds: Record<GenTab, string | null>
  /** Gallery items of finished jobs, matched by file path. */
  results: Record<string, OutputItem[]>
  submitting: boolean
  uploading: boolean
  setTab: (tab: GenTab) => void
  /** The tab's form, or a fresh one from the settings' defaults. */
  form: (tab: GenTab) => GenForm
  update: (tab: GenTab, patch: Partial<GenForm> | ((f: GenForm) => Partial<GenForm>)) => void
  resetForm: (tab: GenTab) => void
  /** Makes the tab generate with a cloud model, keeping settings the model also takes. */
  chooseCloud: (tab: GenTab, m: CloudModel) => void
  /** Back to the local checkpoint the picker saves in settings. */
  chooseLocal: (tab: GenTab) => void
  /** The tab's cloud model, when one is chosen and listed. */
  cloudModel: (tab: GenTab) => CloudModel | undefined
  /** The Generate call the tab's form makes now, or null before settings load. */
  request: (tab: GenTab) => GenerateRequest | null
  submit: (tab: GenTab) => Promise<Job | null>
  interrupt: (tab: GenTab) => Promise<void>
  reuse: (job: Job) => void
  reuseSeed: (seed: number) => void
  sendToImg2Img: (path: string, url: string) => void
  uploadInitImage: (file: File) => Promise<boolean>
  applyParameters: (p: PNGParameters) => void
  loadResults: (job: Job) => Promise<void>
}

export const initialGenerateState = {
  tab: 'txt2img' as GenTab,
  forms: {} as Partial<Record<GenTab, GenForm>>,
  jobIds: { txt2img: null, img2img: null } as Record<GenTab, string | null>,
  results: {} as Record<string, OutputItem[]>,
  submitting: false,
  uploading: false,
}

const MAX_PERSISTED_PREVIEW = 256 * 1024
const RESULT_RETRIES = 8
const RESULT_RETRY_MS = 400

function samePath(a: string, b: string): boolean {
  const norm = (p: string) => p.replace(/\\/g, '/')
  return norm(a) === norm(b)
}

/** The catalog checkpoint a job's model names: by id, path or name. */
function findCheckpoint(models: Model[], ref: string): Model | undefined {
  return models.find((m) => m.kind === 'checkpoint' && (m.id === ref || samePath(m.path, ref) || m.name === ref || m.fileName === ref))
}

// Used only before the settings have loaded; the backend's defaults replace it.
const FALLBACK_GENERATION: GenerationSettings = {
  checkpoint: '',
  sampler: 'euler_a',
  scheduler: 'normal',
  steps: 20,
  cfgScale: 7,
  width: 512,
  height: 512,
  seed: -1,
  clipSkip: 1,
  batchSize: 1,
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const useGenerateStore = create<GenerateState>()(
  persist(
    (set, get) => ({
      ...initialGenerateState,
      setTab: (tab) => set({ tab }),
      form: (tab) => {
        const f = get().forms[tab]
        if (f) return f
        return defaultForm(useSettingsStore.getState().settings?.generation ?? FALLBACK_GENERATION)
      },
      update: (tab, patch) => {
        const f = get().form(tab)
        const p = typeof patch === 'function' ? patch(f) : patch
        set({ forms: { ...get().forms, [tab]: { ...f, ...p } } })
      },
      resetForm: (tab) => {
        const forms = { ...get().forms }
        delete forms[tab]
        set({ forms })
      },
      chooseCloud: (tab, m) => {
        get().update(tab, (f) => ({
          cloud: choiceFor(m, f.cloud),
          batchSize: Math.min(Math.max(1, f.batchSize), Math.max(1, m.capabilities.maxImages)),
        }))
      },
      chooseLocal: (tab) => get().update(tab, { cloud: null }),
      cloudModel: (tab) => {
        const c = get().form(tab).cloud
        if (!c) return undefined
        return useCloudStore.getState().models.find((m) => m.provider === c.provider && m.id === c.model)
      },
      request: (tab) => {
        const f = get().form(tab)
        if (f.cloud) {
          const m = get().cloudModel(tab)
          return m ? buildCloudRequest(f, f.cloud, m, tab) : null
        }
        const settings = useSettingsStore.getState().settings
        if (!settings) return null
        return buildRequest(f, settings.generation.checkpoint, tab)
      },
      submit: async (tab) => {
        const cloud = get().form(tab).cloud
        if (cloud) {
          const m = get().cloudModel(tab)
          const label = PROVIDER_LABEL[cloud.provider] ?? cloud.provider
          if (!m) {
            notify.error(`${cloud.model} is not available from ${label}`)
            return null
          }
          if (m.locked) {
            notify.error(`Add a ${label} key in Settings → API keys to use ${m.name}`)
            return null
          }
          if (!servesTab(m.capabilities, tab)) {
            notify.error(tab === 'img2img' ? `${m.name} cannot edit images` : `${m.name} only edits images: use Img2Img`)
            return null
          }
        }
        const req = get().request(tab)
        if (!req) return null
        if (!req.model) {
          notify.error('Choose a checkpoint first')
          return null
        }
        if (req.mode !== 'txt2img' && !req.initImage) {
          notify.error('Drop an image to start from')
          return null
        }
        set({ submitting: true })
        try {
          const job = await api.generate(req)
          useJobsStore.getState().applyJob(job)
          set({ jobIds: { ...get().jobIds, [tab]: job.id } })
          return job
        } catch (e) {
          notify.error(`Could not start: ${errorMessage(e)}`)
          return null
        } finally {
          set({ submitting: false })
        }
      },
      interrupt: async (tab) => {
        const { jobs } = useJobsStore.getState()
        const mine = jobs.find((j) => j.id === get().jobIds[tab] && isLive(j.state))
        const target = mine ?? jobs.find((j) => j.state === 'running')
        if (target) await useJobsStore.getState().cancel(target.id)
      },
      reuse: (job) => {
        const tab: GenTab = job.request?.mode === 'txt2img' || !job.request?.mode ? 'txt2img' : 'img2img'
        get().update(tab, (f) => formFromJob(f, job))
        set({ tab })
        const provider = job.request?.provider ?? ''
        if (provider !== '' && provider !== 'local') {
          // A cloud job comes back to its model when it is still listed.
          const m = useCloudStore.getState().models.find((x) => x.provider === provider && x.id === job.request?.model)
          if (m) get().chooseCloud(tab, m)
          return
        }
        get().chooseLocal(tab)
        const ref = job.request?.model ?? ''
        const model = ref ? findCheckpoint(useCatalogStore.getState().models, ref) : undefined
        const settings = useSettingsStore.getState()
        if (model && settings.settings?.generation.checkpoint !== model.id) void settings.setCheckpoint(model.id)
      },
      reuseSeed: (seed) => get().update(get().tab, { seed }),
      sendToImg2Img: (path, url) => {
        get().update('img2img', { initImage: path, initPreview: url })
        set({ tab: 'img2img' })
      },
      uploadInitImage: async (file) => {
        set({ uploading: true })
        try {
          const read = await readFile(file)
          const path = await api.saveUpload(read.name, read.base64)
          get().update('img2img', { initImage: path, initPreview: read.dataUrl })
          return true
        } catch (e) {
          notify.error(`Could not use the image: ${errorMessage(e)}`)
          return false
        } finally {
          set({ uploading: false })
        }
      },
      applyParameters: (p) => {
        get().update('txt2img', (f) => formFromParameters(f, p))
        set({ tab: 'txt2img' })
      },
      loadResults: async (job) => {
        const paths = (job.outputs ?? []).map((o) => o.path)
        if (paths.length === 0 || get().results[job.id]?.length === paths.length) return
        void useGalleryStore.getState().reload()
        // The history row can land a moment after the job's final event.
        for (let attempt = 0; attempt < RESULT_RETRIES; attempt++) {
          try {
            const page = await api.listOutputs('', 0, Math.max(48, paths.length * 2))
            const found = paths
              .map((p) => page.items.find((i) => samePath(i.path, p)))
              .filter((i): i is OutputItem => i !== undefined)
            if (found.length > 0) set({ results: { ...get().results, [job.id]: found } })
            if (found.length === paths.length) return
          } catch {
            // Retried below; a lasting failure leaves the placeholders.
          }
          await sleep(RESULT_RETRY_MS)
        }
      },
    }),
    {
      name: 'dreamlayer.generate',
      storage: createJSONStorage(() => sessionStorage),
      // A large pasted image's data: URL would overflow sessionStorage; its path survives.
      partialize: (s) => ({
        tab: s.tab,
        forms: Object.fromEntries(
          Object.entries(s.forms).map(([k, f]) => [k, f && f.initPreview.length > MAX_PERSISTED_PREVIEW ? { ...f, initPreview: '' } : f]),
        ),
        jobIds: s.jobIds,
      }),
    },
  ),
)

/** The tab's form for rendering: the edited one, or the settings' defaults as they change. */
export function useGenForm(tab: GenTab): GenForm {
  const f = useGenerateStore((s) => s.forms[tab])
  const g = useSettingsStore((s) => s.settings?.generation)
  return useMemo(() => f ?? defaultForm(g ?? FALLBACK_GENERATION), [f, g])
}
