import { create } from 'zustand'
import { api, onEvent } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import { notify } from '@/lib/notify'
import type { CatalogEvent, Model } from '@/lib/types'
import { errorMessage } from '@/lib/utils'

export interface CatalogState {
  /** Every model the catalog knows, sorted by name. */
  models: Model[]
  loaded: boolean
  loading: boolean
  rescanning: boolean
  error: string | null
  load: () => Promise<void>
  rescan: () => Promise<void>
  reveal: (id: string) => Promise<void>
  openFolder: (kind: string) => Promise<void>
  applyEvent: (ev: CatalogEvent) => void
  listen: () => () => void
}

export const initialCatalogState = {
  models: [] as Model[],
  loaded: false,
  loading: false,
  rescanning: false,
  error: null,
}

function byName(a: Model, b: Model): number {
  return a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true }) || a.id.localeCompare(b.id)
}

/** Returns models with ev applied: added/changed upsert by id, removed drops it. */
export function applyCatalogEvent(models: Model[], ev: CatalogEvent): Model[] {
  const rest = models.filter((m) => m.id !== ev.model.id)
  if (ev.type === 'removed') return rest.length === models.length ? models : rest
  return [...rest, ev.model].sort(byName)
}

export const useCatalogStore = create<CatalogState>()((set, get) => ({
  ...initialCatalogState,
  load: async () => {
    set({ loading: true })
    try {
      const models = await api.listModels()
      set({ models: [...models].sort(byName), loaded: true, loading: false, error: null })
    } catch (e) {
      set({ loading: false, loaded: true, error: errorMessage(e) })
    }
  },
  rescan: async () => {
    set({ rescanning: true })
    try {
      await api.rescanModels()
      await get().load()
    } catch (e) {
      notify.error(`Rescan failed: ${errorMessage(e)}`)
    } finally {
      set({ rescanning: false })
    }
  },
  reveal: async (id) => {
    try {
      await api.revealModel(id)
    } catch (e) {
      notify.error(errorMessage(e))
    }
  },
  openFolder: async (kind) => {
    try {
      await api.openModelsFolder(kind)
    } catch (e) {
      notify.error(errorMessage(e))
    }
  },
  applyEvent: (ev) => set({ models: applyCatalogEvent(get().models, ev) }),
  listen: () => onEvent<CatalogEvent>(EVENTS.catalogChanged, (ev) => get().applyEvent(ev)),
}))
