import { create } from 'zustand'
import { api } from '@/lib/api'
import type { KeyState, KeyStatus, KeyTest, Provider } from '@/lib/types'
import { errorMessage } from '@/lib/utils'
import { useCloudStore } from './cloud'

// The key itself is never kept here: it goes straight from the input to the
// backend, and only its status (set, source, last four) comes back.
export interface KeysState {
  state: KeyState | null
  loading: boolean
  loadError: string | null
  busy: Partial<Record<Provider, boolean>>
  errors: Partial<Record<Provider, string>>
  /** The last "Test key" answer per provider; cleared when the key changes. */
  tests: Partial<Record<Provider, KeyTest>>
  testing: Partial<Record<Provider, boolean>>
  load: () => Promise<void>
  setKey: (provider: Provider, key: string) => Promise<boolean>
  deleteKey: (provider: Provider) => Promise<boolean>
  testKey: (provider: Provider) => Promise<KeyTest | null>
}

export const initialKeysState = {
  state: null,
  loading: false,
  loadError: null,
  busy: {},
  errors: {},
  tests: {},
  testing: {},
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
      set({ state: replaceStatus(get().state, ks), tests: { ...get().tests, [provider]: undefined } })
      // Cloud models lock and unlock with their provider's key.
      void useCloudStore.getState().load()
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
    testKey: async (provider) => {
      set({ testing: { ...get().testing, [provider]: true } })
      let result: KeyTest
      try {
        result = await api.testKey(provider)
      } catch (e) {
        result = { provider, status: 'unreachable', message: errorMessage(e) }
      }
      set({ tests: { ...get().tests, [provider]: result }, testing: { ...get().testing, [provider]: false } })
      return result
    },
  }
})
