import { create } from 'zustand'
import { api, onEvent } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import { notify } from '@/lib/notify'
import type { Job, JobProgress } from '@/lib/types'
import { errorMessage } from '@/lib/utils'

export interface JobsState {
  jobs: Job[]
  progress: Record<string, JobProgress>
  loaded: boolean
  error: string | null
  load: () => Promise<void>
  cancel: (id: string) => Promise<void>
  applyJob: (job: Job) => void
  applyProgress: (p: JobProgress) => void
  listen: () => () => void
}

export const initialJobsState = {
  jobs: [] as Job[],
  progress: {} as Record<string, JobProgress>,
  loaded: false,
  error: null,
}

export const useJobsStore = create<JobsState>()((set, get) => ({
  ...initialJobsState,
  load: async () => {
    try {
      set({ jobs: await api.listJobs(), loaded: true, error: null })
    } catch (e) {
      set({ loaded: true, error: errorMessage(e) })
    }
  },
  cancel: async (id) => {
    try {
      await api.cancelJob(id)
    } catch (e) {
      notify.error(`Could not cancel: ${errorMessage(e)}`)
    }
  },
  applyJob: (job) => {
    const jobs = get().jobs
    const i = jobs.findIndex((j) => j.id === job.id)
    set({ jobs: i < 0 ? [...jobs, job] : jobs.map((j) => (j.id === job.id ? job : j)) })
  },
  applyProgress: (p) => set({ progress: { ...get().progress, [p.jobId]: p } }),
  listen: () => {
    const offs = [
      onEvent<Job>(EVENTS.jobsChanged, (j) => get().applyJob(j)),
      onEvent<JobProgress>(EVENTS.jobsProgress, (p) => get().applyProgress(p)),
    ]
    return () => offs.forEach((off) => off())
  },
}))
