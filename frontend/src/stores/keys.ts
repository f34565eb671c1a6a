import { create } from 'zustand'
import { api } from '@/lib/api'
import type { KeyState, KeyStatus, Provider } from '@/lib/types'
import { errorMessage } from '@/lib/utils'

// The key itself is never kept here: it goes straight from the input to the
// backend, and only its status (set, source, last four) comes back.
export interface KeysState {
  state: KeyState | null
  loading: boolean
  loadError: string | null
  busy: Partial<Record<Provider, boolean>>
  errors: Partial<Record<Provider, string>>
  load: () => Promise<void>
  setKey: (provider: Provider, key: string) => Promise<boolean>
  deleteKey: (provider: Provider) => Promise<boolean>
}

export const initialKeysState = {
  state: null,
  loading: false,
  loadError: null,
  busy: {},
  errors: {},
}

function replaceStatus(state: KeyState | null, ks: KeyStatus): KeyState | null {
  if (!state) return state
  const found = state.keys.some((k) => k.provider === ks.provider)
  return { ...state, keys: found ? state.keys.map((k) => (k.provider === ks.provider ? ks : k)) : [...state.keys, ks] }
}

export const useKeysStore = create<KeysState>()((set, get) => {
  const run = async (provider: Provider, op: () => Promise<KeyStatus>): Promise<boolean> => {
    set({ busy: { ...get().busy, [provider]: true }, errors: { ...get().errors, [provider]: undefined } })
    try {
      const ks = await op()
      set({ state: replaceStatus(get().state, ks) })
      return true
    } catch (e) {
      set({ errors: { ...get().errors, [provider]: errorMessage(e) } })
      return false
    } finally {
      set({ busy: { ...get().busy, [provider]: false } })
    }
  }
  return {
    ...initialKeysState,
    load: async () => {
      set({ loading: true })
      try {
        set({ state: await api.getKeyState(), loading: false, loadError: null })
      } catch (e) {
        set({ loading: false, loadError: errorMessage(e) })
      }
    },
    setKey: (provider, key) => run(provider, () => api.setKey(provider, key)),
    deleteKey: (provider) => run(provider, () => api.deleteKey(provider)),
  }
})
