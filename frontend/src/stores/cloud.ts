import { create } from 'zustand'
import { api, onEvent } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import type { CloudModel } from '@/lib/types'
import { errorMessage } from '@/lib/utils'

// The cloud providers' models for the picker. Locking follows the keys, so the
// list is reloaded whenever a key is saved or removed and when settings (which
// hold the providers' base URLs) change.
export interface CloudState {
  models: CloudModel[]
  loaded: boolean
  loadError: string | null
  load: () => Promise<void>
  listen: () => () => void
}

export const initialCloudState = {
  models: [] as CloudModel[],
  loaded: false,
  loadError: null,
}

export const useCloudStore = create<CloudState>()((set, get) => {
  // Only the newest answer counts when reloads overlap.
  let seq = 0
  return {
    ...initialCloudState,
    load: async () => {
      const mine = ++seq
      try {
        const models = await api.listCloudModels()
        if (mine === seq) set({ models: models ?? [], loaded: true, loadError: null })
      } catch (e) {
        if (mine === seq) set({ loaded: true, loadError: errorMessage(e) })
      }
    },
    listen: () => onEvent(EVENTS.settingsChanged, () => void get().load()),
  }
})
