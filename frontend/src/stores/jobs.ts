import { create } from 'zustand'
import { api, onEvent } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import { notify } from '@/lib/notify'
import type { Job, JobProgress, JobState } from '@/lib/types'
import { errorMessage } from '@/lib/utils'

export interface JobsState {
  jobs: Job[]
  /** The latest progress per job; a progress without a preview keeps the previous one. */
  progress: Record<string, JobProgress>
  loaded: boolean
  error: string | null
  load: () => Promise<void>
  cancel: (id: string) => Promise<void>
  clearFinished: () => Promise<void>
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

export function isLive(state: JobState | string): boolean {
  return state === 'queued' || state === 'running'
}

/** Jobs not yet finished, for the queue badge. */
export function activeCount(jobs: Job[]): number {
  return jobs.filter((j) => isLive(j.state)).length
}

/** The progress to show for a job: the latest event, else what the job itself carries. */
export function progressOf(s: Pick<JobsState, 'progress'>, job: Job | undefined): JobProgress | undefined {
  if (!job) return undefined
  return s.progress[job.id] ?? job.progress
}

export const useJobsStore = create<JobsState>()((set, get) => ({
  ...initialJobsState,
  load: async () => {
    try {
      const listed = await api.listJobs()
      // Jobs that arrived by event during the call are kept.
      const seen = new Set(listed.map((j) => j.id))
      set({ jobs: [...listed, ...get().jobs.filter((j) => !seen.has(j.id))], loaded: true, error: null })
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
  clearFinished: async () => {
    try {
      await api.clearFinishedJobs()
      const jobs = get().jobs.filter((j) => isLive(j.state))
      const progress: Record<string, JobProgress> = {}
      for (const j of jobs) {
        const p = get().progress[j.id]
        if (p) progress[j.id] = p
      }
      set({ jobs, progress })
    } catch (e) {
      notify.error(`Could not clear finished jobs: ${errorMessage(e)}`)
    }
  },
  applyJob: (job) => {
    const jobs = get().jobs
    const i = jobs.findIndex((j) => j.id === job.id)
    set({ jobs: i < 0 ? [...jobs, job] : jobs.map((j) => (j.id === job.id ? job : j)) })
  },
  applyProgress: (p) => {
    const prev = get().progress[p.jobId]
    const next = p.preview || !prev?.preview ? p : { ...p, preview: prev.preview }
    set({ progress: { ...get().progress, [p.jobId]: next } })
  },
  listen: () => {
    const offs = [
      onEvent<Job>(EVENTS.jobsChanged, (j) => get().applyJob(j)),
      onEvent<JobProgress>(EVENTS.jobsProgress, (p) => get().applyProgress(p)),
    ]
    return () => offs.forEach((off) => off())
  },
}))
