import { create } from 'zustand'
import { api, onEvent } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import { showNotice } from '@/lib/notify'
import type { Notice, Paths, VersionInfo } from '@/lib/types'
import { errorMessage } from '@/lib/utils'

const MAX_NOTICES = 50

export interface AppState {
  version: VersionInfo | null
  paths: Paths | null
  /** Most recent notices first, capped; each is also shown as a toast. */
  notices: Notice[]
  loadError: string | null
  load: () => Promise<void>
  pushNotice: (n: Notice) => void
  listen: () => () => void
}

export const initialAppState = {
  version: null,
  paths: null,
  notices: [] as Notice[],
  loadError: null,
}

export const useAppStore = create<AppState>()((set, get) => ({
  ...initialAppState,
  load: async () => {
    try {
      const [version, paths] = await Promise.all([api.version(), api.getPaths()])
      set({ version, paths, loadError: null })
    } catch (e) {
      set({ loadError: errorMessage(e) })
    }
  },
  pushNotice: (n) => {
    set({ notices: [n, ...get().notices].slice(0, MAX_NOTICES) })
    showNotice(n)
  },
  listen: () => onEvent<Notice>(EVENTS.appNotice, (n) => get().pushNotice(n)),
}))
