import { create } from 'zustand'
import { api } from '@/lib/api'
import type { PromptPair, Style, TokenCount } from '@/lib/types'
import { errorMessage } from '@/lib/utils'

export interface PromptsState {
  styles: Style[]
  loaded: boolean
  error: string | null
  load: () => Promise<void>
  saveStyle: (s: Style) => Promise<boolean>
  deleteStyle: (name: string) => Promise<boolean>
  random: (seed: number) => Promise<PromptPair | null>
  /** Tokens and 75-token chunks of a prompt; null when the backend could not count. */
  countTokens: (text: string) => Promise<TokenCount | null>
}

export const initialPromptsState = { styles: [] as Style[], loaded: false, error: null }

export const usePromptsStore = create<PromptsState>()((set) => ({
  ...initialPromptsState,
  load: async () => {
    try {
      set({ styles: await api.listStyles(), loaded: true, error: null })
    } catch (e) {
      set({ loaded: true, error: errorMessage(e) })
    }
  },
  saveStyle: async (s) => {
    try {
      set({ styles: await api.saveStyle(s), error: null })
      return true
    } catch (e) {
      set({ error: errorMessage(e) })
      return false
    }
  },
  deleteStyle: async (name) => {
    try {
      set({ styles: await api.deleteStyle(name), error: null })
      return true
    } catch (e) {
      set({ error: errorMessage(e) })
      return false
    }
  },
  random: async (seed) => {
    try {
      return await api.randomPrompt(seed)
    } catch (e) {
      set({ error: errorMessage(e) })
      return null
    }
  },
  countTokens: async (text) => {
    try {
      return await api.countTokens(text)
    } catch {
      return null
    }
  },
}))
