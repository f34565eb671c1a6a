import { fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { beforeEach, describe, expect, it } from 'vitest'
import { TooltipProvider } from '@/components/ui/tooltip'
import { api } from '@/lib/api'
import { SettingsPage } from '@/pages/SettingsPage'
import { useSettingsStore } from '@/stores/settings'
import { initialWorkflowsState, useWorkflowsStore } from '@/stores/workflows'
import { backend } from '@/test/fake-api'
import { makeSettings } from '@/test/fixtures'
import { normalizeServer, serverProblem } from './ComfyServersSection'

beforeEach(() => {
  useWorkflowsStore.setState(initialWorkflowsState)
})

async function renderSettings() {
  await useSettingsStore.getState().load()
  render(
    <TooltipProvider>
      <SettingsPage />
    </TooltipProvider>,
  )
  return screen.getByTestId('comfy-servers')
}

describe('serverProblem', () => {
  it.each([
    ['', 'Enter a URL'],
    ['gpu-box:8188', 'http://'],
    ['http://:8188', 'Not a valid URL'],
    ['http://a:8188/', 'Already in the list'],
    ['http://b:8188', undefined],
  ])('%s', (url, want) => {
    const got = serverProblem(url, ['http://a:8188'])
    if (want === undefined) expect(got).toBeUndefined()
    else expect(got).toContain(want)
  })
  it('normalises like the backend', () => expect(normalizeServer(' http://a:8188/ ')).toBe('http://a:8188'))
})

describe('ComfyServersSection', () => {
  it('adds and removes servers, refusing bad URLs, and saves them', async () => {
    const list = await renderSettings()
    expect(list).toHaveTextContent('None added')
    fireEvent.change(screen.getByTestId('server-new'), { target: { value: 'gpu-box:8188' } })
    fireEvent.click(screen.getByTestId('server-add'))
    expect(screen.getByTestId('server-add-error')).toHaveTextContent('Must start with http:// or https://')
    expect(within(list).queryAllByTestId('comfy-server')).toHaveLength(0)

    fireEvent.change(screen.getByTestId('server-new'), { target: { value: 'http://gpu-a:8188/' } })
    fireEvent.click(screen.getByTestId('server-add'))
    fireEvent.change(screen.getByTestId('server-new'), { target: { value: 'http://gpu-b:8188' } })
    fireEvent.click(screen.getByTestId('server-add'))
    expect(within(list).getAllByTestId('comfy-server')).toHaveLength(2)
    fireEvent.change(screen.getByTestId('server-new'), { target: { value: 'http://gpu-a:8188' } })
    fireEvent.click(screen.getByTestId('server-add'))
    expect(screen.getByTestId('server-add-error')).toHaveTextContent('Already in the list')

    fireEvent.click(screen.getByRole('button', { name: 'Remove http://gpu-b:8188' }))
    fireEvent.click(screen.getByTestId('settings-save'))
    await waitFor(() => expect(backend.settings.comfyui?.servers).toEqual(['http://gpu-a:8188']))
  })

  it('shows an invalid edited row and the backend’s rejection', async () => {
    backend.settings = makeSettings({ comfyui: { servers: ['http://gpu-a:8188'] } })
    const list = await renderSettings()
    fireEvent.change(within(list).getByLabelText('Server 1'), { target: { value: 'ftp://gpu-a' } })
    expect(within(list).getByRole('alert')).toHaveTextContent('Must start with http://')
    expect(screen.getByTestId('servers-check')).toBeDisabled()

    vi.mocked(api.saveSettings).mockRejectedValueOnce(new Error('invalid settings: comfyui.servers[0]: "ftp://gpu-a" must start with http:// or https://'))
    fireEvent.click(screen.getByTestId('settings-save'))
    await waitFor(() => expect(screen.getAllByRole('alert').some((a) => a.textContent?.includes('"ftp://gpu-a" must start with'))).toBe(true))
  })

  it('checks the listed servers and shows up or down for each', async () => {
    backend.settings = makeSettings({ comfyui: { servers: ['http://gpu-a:8188', 'http://down:8188'] } })
    const list = await renderSettings()
    fireEvent.click(screen.getByTestId('servers-check'))
    await waitFor(() => expect(api.checkComfyServers).toHaveBeenCalledWith(['http://gpu-a:8188', 'http://down:8188']))
    const rows = within(list).getAllByTestId('comfy-server')
    await waitFor(() => expect(within(rows[0]!).getByTestId('server-up')).toBeInTheDocument())
    expect(within(rows[1]!).getByTestId('server-down')).toBeInTheDocument()
    expect(rows[1]).toHaveTextContent('connection refused')
  })
})
