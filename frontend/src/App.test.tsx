import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { api } from '@/lib/api'
import { backend, listenerCount } from '@/test/fake-api'
import { makeModel, makeSettings } from '@/test/fixtures'
import { App } from './App'

describe('App shell', () => {
  it('subscribes to backend events while mounted and unsubscribes all on unmount', async () => {
    const { unmount } = render(<App />)
    await waitFor(() => expect(api.getSettings).toHaveBeenCalled())
    expect(listenerCount()).toBeGreaterThanOrEqual(6)
    unmount()
    expect(listenerCount()).toBe(0)
  })

  it('opens on Generate and navigates between pages from the sidebar', async () => {
    window.location.hash = ''
    render(<App />)
    expect(await screen.findByTestId('page-generate')).toBeInTheDocument()
    fireEvent.click(screen.getByTestId('nav-pnginfo'))
    expect(await screen.findByTestId('page-pnginfo')).toBeInTheDocument()
    fireEvent.click(screen.getByTestId('nav-gallery'))
    expect(await screen.findByTestId('page-gallery')).toBeInTheDocument()
    fireEvent.click(screen.getByTestId('nav-settings'))
    expect(await screen.findByTestId('page-settings')).toBeInTheDocument()
    fireEvent.click(screen.getByTestId('nav-models'))
    expect(await screen.findByTestId('page-models')).toBeInTheDocument()
    fireEvent.click(screen.getByTestId('nav-generate'))
    expect(await screen.findByTestId('page-generate')).toBeInTheDocument()
  })

  it('applies the saved theme and saves a new choice at once', async () => {
    backend.settings = makeSettings({ theme: 'light' })
    render(<App />)
    await waitFor(() => expect(document.documentElement).not.toHaveClass('dark'))
    fireEvent.click(screen.getByRole('radio', { name: 'Dark' }))
    await waitFor(() => expect(document.documentElement).toHaveClass('dark'))
    expect(api.saveSettings).toHaveBeenCalledWith(expect.objectContaining({ theme: 'dark' }))
    expect(screen.getByTestId('theme-toggle')).toHaveAttribute('data-theme', 'dark')
  })

  it('shows the chosen checkpoint in the model picker', async () => {
    backend.models = [makeModel({ name: 'dreamshaper_8', family: 'sd1' }), makeModel({ name: 'lora_x', kind: 'lora' })]
    backend.settings = makeSettings({ generation: { ...makeSettings().generation, checkpoint: 'id-dreamshaper_8' } })
    window.location.hash = '#/models'
    render(<App />)
    await waitFor(() => expect(screen.getByTestId('model-picker')).toHaveTextContent('dreamshaper_8'))
    expect(screen.getByTestId('model-picker')).toHaveTextContent('SD 1.x')
  })
})
