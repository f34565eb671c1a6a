import { describe, expect, it } from 'vitest'
import { api } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import { emit } from '@/test/fake-api'
import { makeSettings } from '@/test/fixtures'
import { isDirty, useSettingsStore } from './settings'

const editSteps = (steps: number) =>
  useSettingsStore.getState().editDraft((d) => ({ ...d, generation: { ...d.generation, steps } }))

describe('settings store', () => {
  it('is dirty only while the draft differs from the saved settings', async () => {
    await useSettingsStore.getState().load()
    expect(isDirty(useSettingsStore.getState())).toBe(false)
    editSteps(40)
    expect(isDirty(useSettingsStore.getState())).toBe(true)
    editSteps(25)
    expect(isDirty(useSettingsStore.getState())).toBe(false)
  })

  it('surfaces a rejected save per field and keeps the draft', async () => {
    await useSettingsStore.getState().load()
    editSteps(0)
    vi.mocked(api.saveSettings).mockRejectedValueOnce(
      new Error('invalid settings: generation.steps: 0 is out of range 1–150\nversion: 9 is not supported'),
    )
    const ok = await useSettingsStore.getState().saveDraft()
    const st = useSettingsStore.getState()
    expect(ok).toBe(false)
    expect(st.saving).toBe(false)
    expect(st.saveErrors?.fields['generation.steps']).toBe('0 is out of range 1–150')
    expect(st.saveErrors?.general).toEqual(['version: 9 is not supported'])
    expect(st.draft?.generation.steps).toBe(0)
    expect(st.settings?.generation.steps).toBe(25)
    expect(isDirty(st)).toBe(true)
  })

  it('saves the draft and clears old errors', async () => {
    await useSettingsStore.getState().load()
    useSettingsStore.setState({ saveErrors: { fields: { 'generation.steps': 'bad' }, general: [] } })
    editSteps(30)
    expect(await useSettingsStore.getState().saveDraft()).toBe(true)
    expect(api.saveSettings).toHaveBeenCalledWith(expect.objectContaining({ generation: expect.objectContaining({ steps: 30 }) }))
    const st = useSettingsStore.getState()
    expect(st.saveErrors).toBeNull()
    expect(st.settings?.generation.steps).toBe(30)
    expect(isDirty(st)).toBe(false)
  })

  it('saves the theme at once without losing or saving pending edits', async () => {
    await useSettingsStore.getState().load()
    editSteps(60)
    expect(await useSettingsStore.getState().setTheme('light')).toBe(true)
    expect(api.saveSettings).toHaveBeenLastCalledWith(
      expect.objectContaining({ theme: 'light', generation: expect.objectContaining({ steps: 25 }) }),
    )
    const st = useSettingsStore.getState()
    expect(st.settings?.theme).toBe('light')
    expect(st.draft?.theme).toBe('light')
    expect(st.draft?.generation.steps).toBe(60)
  })

  it('takes settings:changed into a clean draft but never over pending edits', async () => {
    await useSettingsStore.getState().load()
    const off = useSettingsStore.getState().listen()
    emit(EVENTS.settingsChanged, makeSettings({ logLevel: 'debug' }))
    expect(useSettingsStore.getState().draft?.logLevel).toBe('debug')

    editSteps(99)
    emit(EVENTS.settingsChanged, makeSettings({ logLevel: 'warn' }))
    const st = useSettingsStore.getState()
    expect(st.settings?.logLevel).toBe('warn')
    expect(st.draft?.generation.steps).toBe(99)
    expect(st.draft?.logLevel).toBe('debug')
    off()
  })
})
