import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { TooltipProvider } from '@/components/ui/tooltip'
import { api } from '@/lib/api'
import { useSettingsStore } from '@/stores/settings'
import { SettingsPage } from './SettingsPage'

async function renderPage() {
  await useSettingsStore.getState().load()
  render(
    <TooltipProvider>
      <SettingsPage />
    </TooltipProvider>,
  )
}

describe('SettingsPage', () => {
  it('enables Save only when something changed and saves the edit', async () => {
    await renderPage()
    const save = screen.getByTestId('settings-save')
    expect(save).toBeDisabled()

    fireEvent.change(screen.getByTestId('setting-steps'), { target: { value: '40' } })
    expect(save).toBeEnabled()
    expect(screen.getByText('Unsaved changes')).toBeInTheDocument()

    await act(async () => fireEvent.click(save))
    expect(api.saveSettings).toHaveBeenCalledTimes(1)
    expect(vi.mocked(api.saveSettings).mock.calls[0]?.[0].generation.steps).toBe(40)
    await waitFor(() => expect(save).toBeDisabled())
    expect(screen.getByText('All changes saved')).toBeInTheDocument()
  })

  it('goes back to clean when an edit is undone by hand', async () => {
    await renderPage()
    const steps = screen.getByTestId('setting-steps')
    fireEvent.change(steps, { target: { value: '26' } })
    expect(screen.getByTestId('settings-save')).toBeEnabled()
    fireEvent.change(steps, { target: { value: '25' } })
    expect(screen.getByTestId('settings-save')).toBeDisabled()
  })

  it('does not write an empty number into the settings', async () => {
    await renderPage()
    fireEvent.change(screen.getByTestId('setting-steps'), { target: { value: '' } })
    expect(useSettingsStore.getState().draft?.generation.steps).toBe(25)
    expect(screen.getByTestId('setting-steps')).toHaveAttribute('aria-invalid', 'true')
  })

  it('shows the backend rejection beside the field', async () => {
    await renderPage()
    vi.mocked(api.saveSettings).mockRejectedValueOnce(new Error('invalid settings: generation.steps: 500 is out of range 1–150'))
    fireEvent.change(screen.getByTestId('setting-steps'), { target: { value: '500' } })
    await act(async () => fireEvent.click(screen.getByTestId('settings-save')))
    expect(await screen.findByText('500 is out of range 1–150')).toBeInTheDocument()
    expect(screen.getByTestId('setting-steps')).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByText('1 field needs attention')).toBeInTheDocument()
    expect(screen.getByTestId('settings-save')).toBeEnabled()
  })

  it('discards pending edits', async () => {
    await renderPage()
    fireEvent.change(screen.getByTestId('setting-steps'), { target: { value: '77' } })
    fireEvent.click(screen.getByRole('button', { name: /Discard/ }))
    expect(screen.getByTestId('setting-steps')).toHaveValue(25)
    expect(api.saveSettings).not.toHaveBeenCalled()
  })
})
