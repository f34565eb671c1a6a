import { create } from 'zustand'
import { api, onEvent } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import type { Job, StatsSummary } from '@/lib/types'
import { errorMessage } from '@/lib/utils'

/** The ranges the Stats page offers, in hours; 0 is all time. */
export const STAT_RANGES = [
  { hours: 24, label: '24 hours' },
  { hours: 24 * 7, label: '7 days' },
  { hours: 24 * 30, label: '30 days' },
  { hours: 24 * 90, label: '90 days' },
  { hours: 0, label: 'All time' },
] as const

export interface StatsState {
  rangeHours: number
  summary: StatsSummary | null
  loading: boolean
  error: string | null
  /** Bumped on every load so a late answer for an older range is dropped. */
  generation: number
  load: (rangeHours?: number) => Promise<void>
  /** Reloads when a job finishes, at most once per second, while the page is open. */
  listen: () => () => void
}

export const initialStatsState = {
  rangeHours: 24 * 7,
  summary: null as StatsSummary | null,
  loading: false,
  error: null as string | null,
  generation: 0,
}

const isFinal = (s: string) => s === 'done' || s === 'failed' || s === 'cancelled'

export const useStatsStore = create<StatsState>()((set, get) => ({
  ...initialStatsState,
  load: async (rangeHours = get().rangeHours) => {
    const generation = get().generation + 1
    set({ rangeHours, generation, loading: true, error: null })
    try {
      const summary = await api.getStats(rangeHours)
      if (get().generation !== generation) return
      set({ summary, loading: false })
    } catch (e) {
      if (get().generation !== generation) return
      set({ loading: false, error: errorMessage(e) })
    }
  },
  listen: () => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const off = onEvent<Job>(EVENTS.jobsChanged, (j) => {
      if (!isFinal(j.state) || timer) return
      timer = setTimeout(() => {
        timer = undefined
        void get().load()
      }, 1000)
    })
    return () => {
      off()
      if (timer) clearTimeout(timer)
    }
  },
}))
