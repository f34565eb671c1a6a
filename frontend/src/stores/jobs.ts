import { create } from 'zustand'
import { api, onEvent } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import { notify } from '@/lib/notify'
import type { Job, JobProgress, JobsReorder, JobState } from '@/lib/types'
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
  /** Puts a queued job at place toIndex (0 starts next) among its provider's queued jobs. */
  move: (id: string, toIndex: number) => Promise<void>
  applyJob: (job: Job) => void
  applyProgress: (p: JobProgress) => void
  applyReorder: (r: JobsReorder) => void
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

/** Queued jobs in the order they will start: by order within a provider; providers interleave by submission. */
export function queuedInOrder(jobs: Job[]): Job[] {
  return jobs.filter((j) => j.state === 'queued').sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
}

/** A queued job's place among its own provider's queued jobs, and how many there are. */
export function lanePlace(jobs: Job[], job: Job): { index: number; count: number } {
  const provider = job.request?.provider ?? ''
  const lane = queuedInOrder(jobs).filter((j) => (j.request?.provider ?? '') === provider)
  return { index: lane.findIndex((j) => j.id === job.id), count: lane.length }
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
  move: async (id, toIndex) => {
    try {
      await api.moveJob(id, toIndex)
    } catch (e) {
      notify.error(`Could not move the job: ${errorMessage(e)}`)
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
  applyReorder: (r) => {
    const orders = new Map(r.jobs.map((p) => [p.id, p.order]))
    set({ jobs: get().jobs.map((j) => (orders.has(j.id) ? { ...j, order: orders.get(j.id) } : j)) })
  },
  listen: () => {
    const offs = [
      onEvent<JobsReorder>(EVENTS.jobsReordered, (r) => get().applyReorder(r)),
      onEvent<Job>(EVENTS.jobsChanged, (j) => get().applyJob(j)),
      onEvent<JobProgress>(EVENTS.jobsProgress, (p) => get().applyProgress(p)),
    ]
    return () => offs.forEach((off) => off())
  },
}))
