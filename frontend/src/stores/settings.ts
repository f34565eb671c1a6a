import { create } from 'zustand'
import { api, onEvent } from '@/lib/api'
import { jsonEqual } from '@/lib/equal'
import { EVENTS } from '@/lib/events'
import { notify } from '@/lib/notify'
import type { Settings, Theme } from '@/lib/types'
import { errorMessage } from '@/lib/utils'
import { parseSettingsError, type ParsedErrors } from '@/lib/validation'

export interface SettingsState {
  /** The settings as the backend last confirmed them. */
  settings: Settings | null
  /** The Settings page's edits; equal to `settings` when nothing is pending. */
  draft: Settings | null
  loading: boolean
  saving: boolean
  loadError: string | null
  /** Why the last save was rejected, split per field; null after a good save. */
  saveErrors: ParsedErrors | null
  load: () => Promise<void>
  editDraft: (fn: (d: Settings) => Settings) => void
  resetDraft: () => void
  /** Saves the draft; resolves true when the backend accepted it. */
  saveDraft: () => Promise<boolean>
  /** Saves one change at once (theme toggle, model picker), keeping other pending edits. */
  savePatch: (fn: (s: Settings) => Settings) => Promise<boolean>
  setTheme: (theme: Theme) => Promise<boolean>
  setCheckpoint: (name: string) => Promise<boolean>
  applyRemote: (s: Settings) => void
  listen: () => () => void
}

export const initialSettingsState = {
  settings: null,
  draft: null,
  loading: false,
  saving: false,
  loadError: null,
  saveErrors: null,
}

export function isDirty(s: Pick<SettingsState, 'settings' | 'draft'>): boolean {
  return s.settings !== null && s.draft !== null && !jsonEqual(s.settings, s.draft)
}

export const useSettingsStore = create<SettingsState>()((set, get) => ({
  ...initialSettingsState,
  load: async () => {
    set({ loading: true })
    try {
      const s = await api.getSettings()
      set({ settings: s, draft: s, loading: false, loadError: null })
    } catch (e) {
      set({ loading: false, loadError: errorMessage(e) })
    }
  },
  editDraft: (fn) => {
    const d = get().draft
    if (d) set({ draft: fn(d) })
  },
  resetDraft: () => set({ draft: get().settings, saveErrors: null }),
  saveDraft: async () => {
    const draft = get().draft
    if (!draft) return false
    set({ saving: true })
    try {
      const saved = await api.saveSettings(draft)
      set({ settings: saved, draft: saved, saving: false, saveErrors: null })
      return true
    } catch (e) {
      set({ saving: false, saveErrors: parseSettingsError(errorMessage(e)) })
      return false
    }
  },
  savePatch: async (fn) => {
    const current = get().settings
    if (!current) return false
    try {
      const saved = await api.saveSettings(fn(current))
      // Carry the confirmed change into the draft without losing other edits.
      const draft = get().draft
      set({ settings: saved, draft: draft ? fn(draft) : saved })
      return true
    } catch (e) {
      notify.error(`Could not save settings: ${errorMessage(e)}`)
      return false
    }
  },
  setTheme: (theme) => get().savePatch((s) => ({ ...s, theme })),
  setCheckpoint: (name) => get().savePatch((s) => ({ ...s, generation: { ...s.generation, checkpoint: name } })),
  applyRemote: (s) => {
    const st = get()
    // A change made elsewhere replaces the draft only when nothing is pending here.
    set({ settings: s, draft: isDirty(st) ? st.draft : s })
  },
  listen: () => onEvent<Settings>(EVENTS.settingsChanged, (s) => get().applyRemote(s)),
}))
