import { create } from 'zustand'
import { api, onEvent } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import { notify } from '@/lib/notify'
import type { GalleryEvent, GalleryFacets, GalleryFilter, OutputItem } from '@/lib/types'
import { errorMessage } from '@/lib/utils'

export const PAGE_SIZE = 48

/** The gallery's filters besides the search text; '' means any. */
export interface GalleryFilters {
  model: string
  provider: string
  /** Unix ms bounds, [sinceMs, untilMs); 0 is unbounded. */
  sinceMs: number
  untilMs: number
}

export const NO_FILTERS: GalleryFilters = { model: '', provider: '', sinceMs: 0, untilMs: 0 }

const EMPTY_FACETS: GalleryFacets = { models: [], providers: [], oldest: '', newest: '' }

function filterFor(query: string, f: GalleryFilters): GalleryFilter {
  return { text: query, ...f }
}

export interface GalleryState {
  items: OutputItem[]
  total: number
  query: string
  filters: GalleryFilters
  /** Models and providers that have images, for the filter menus. */
  facets: GalleryFacets
  loaded: boolean
  loading: boolean
  loadingMore: boolean
  error: string | null
  /** Bumped on every new search so late answers to an older one are dropped. */
  generation: number
  search: (query: string) => Promise<void>
  setFilters: (patch: Partial<GalleryFilters>) => Promise<void>
  loadFacets: () => Promise<void>
  reload: () => Promise<void>
  loadMore: () => Promise<void>
  remove: (id: string) => Promise<boolean>
  open: (id: string) => Promise<void>
  reveal: (id: string) => Promise<void>
  applyEvent: (ev: GalleryEvent) => void
  listen: () => () => void
}

export const initialGalleryState = {
  items: [] as OutputItem[],
  total: 0,
  query: '',
  filters: NO_FILTERS,
  facets: EMPTY_FACETS,
  loaded: false,
  loading: false,
  loadingMore: false,
  error: null,
  generation: 0,
}

export const useGalleryStore = create<GalleryState>()((set, get) => ({
  ...initialGalleryState,
  search: async (query) => {
    const generation = get().generation + 1
    set({ query, generation, loading: true, error: null })
    try {
      const page = await api.listOutputsFiltered(filterFor(query, get().filters), 0, PAGE_SIZE)
      if (get().generation !== generation) return
      set({ items: page.items, total: page.total, loaded: true, loading: false })
    } catch (e) {
      if (get().generation !== generation) return
      set({ loading: false, loaded: true, error: errorMessage(e) })
    }
  },
  setFilters: (patch) => {
    set({ filters: { ...get().filters, ...patch } })
    return get().search(get().query)
  },
  loadFacets: async () => {
    try {
      set({ facets: await api.galleryFacets() })
    } catch {
      // The menus keep their last choices; the listing reports its own errors.
    }
  },
  reload: () => {
    void get().loadFacets()
    return get().search(get().query)
  },
  loadMore: async () => {
    const { items, total, loading, loadingMore, query, filters, generation } = get()
    if (loading || loadingMore || items.length >= total) return
    set({ loadingMore: true })
    try {
      const page = await api.listOutputsFiltered(filterFor(query, filters), items.length, PAGE_SIZE)
      if (get().generation !== generation) return
      const seen = new Set(get().items.map((i) => i.id))
      set({ items: [...get().items, ...page.items.filter((i) => !seen.has(i.id))], total: page.total })
    } catch (e) {
      notify.error(`Could not load more images: ${errorMessage(e)}`)
    } finally {
      set({ loadingMore: false })
    }
  },
  remove: async (id) => {
    try {
      await api.deleteOutput(id)
      get().applyEvent({ type: 'deleted', id })
      return true
    } catch (e) {
      notify.error(`Could not delete: ${errorMessage(e)}`)
      return false
    }
  },
  open: async (id) => {
    try {
      await api.openOutput(id)
    } catch (e) {
      notify.error(errorMessage(e))
    }
  },
  reveal: async (id) => {
    try {
      await api.revealOutput(id)
    } catch (e) {
      notify.error(errorMessage(e))
    }
  },
  applyEvent: (ev) => {
    if (ev.type === 'deleted') {
      const { items, total } = get()
      const next = items.filter((i) => i.id !== ev.id)
      if (next.length !== items.length) set({ items: next, total: Math.max(0, total - 1) })
      return
    }
    // New images sort first; refetch the first page so filters and order stay the backend's.
    void get().reload()
  },
  listen: () => onEvent<GalleryEvent>(EVENTS.galleryChanged, (ev) => get().applyEvent(ev)),
}))
