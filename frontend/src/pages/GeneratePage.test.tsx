import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { TopBar } from '@/components/TopBar'
import { TooltipProvider } from '@/components/ui/tooltip'
import { api } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import type { Job } from '@/lib/types'
import { useCatalogStore } from '@/stores/catalog'
import { useGenerateStore } from '@/stores/generate'
import { useJobsStore } from '@/stores/jobs'
import { useSettingsStore } from '@/stores/settings'
import { backend, emit } from '@/test/fake-api'
import { makeModel, makeOutput, makeSettings } from '@/test/fixtures'
import { GeneratePage } from './GeneratePage'

async function setup() {
  backend.models = [makeModel({ name: 'tiny', id: 'ck1' }), makeModel({ name: 'detail', id: 'l1', kind: 'lora' })]
  backend.settings = makeSettings({ generation: { ...makeSettings().generation, checkpoint: 'ck1', steps: 20 } })
  await Promise.all([useSettingsStore.getState().load(), useCatalogStore.getState().load()])
  const offs = [useJobsStore.getState().listen()]
  const view = render(
    <TooltipProvider>
      <GeneratePage />
    </TooltipProvider>,
  )
  return { view, off: () => offs.forEach((o) => o()) }
}

const running = (j: Job): Job => ({ ...j, state: 'running' })

describe('GeneratePage', () => {
  it('renders both tabs, the form with settings defaults and the empty output', async () => {
    const { off } = await setup()
    expect(screen.getByTestId('page-generate')).toBeInTheDocument()
    expect(screen.getByTestId('tab-txt2img')).toHaveAttribute('data-state', 'active')
    expect(screen.getByTestId('steps-input')).toHaveValue(20)
    expect(screen.getByTestId('model-picker')).toHaveTextContent('tiny')
    expect(screen.getByTestId('output-empty')).toBeInTheDocument()
    fireEvent.mouseDown(screen.getByTestId('tab-img2img'))
    expect(await screen.findByTestId('init-dropzone')).toBeInTheDocument()
    off()
  })

  it('counts prompt tokens as the user types', async () => {
    const { off } = await setup()
    fireEvent.change(screen.getByTestId('prompt'), { target: { value: 'a red fox in snow' } })
    await waitFor(() => expect(screen.getByTestId('prompt-tokens')).toHaveTextContent('5/75'))
    expect(api.countTokens).toHaveBeenLastCalledWith('a red fox in snow')
    off()
  })

  it('submits on Ctrl+Enter and shows progress, the live preview and then the result', async () => {
    backend.outputs = []
    const { off } = await setup()
    fireEvent.change(screen.getByTestId('prompt'), { target: { value: 'a fox' } })
    fireEvent.keyDown(window, { key: 'Enter', ctrlKey: true })
    await waitFor(() => expect(api.generate).toHaveBeenCalledTimes(1))
    expect(vi.mocked(api.generate).mock.calls[0]?.[0]).toMatchObject({ model: 'ck1', prompt: 'a fox', steps: 20 })
    const job = backend.jobs[0] as Job

    act(() => emit(EVENTS.jobsChanged, running(job)))
    act(() => emit(EVENTS.jobsProgress, { jobId: job.id, step: 3, total: 20, etaSeconds: 12, preview: 'data:image/png;base64,AAA' }))
    expect(await screen.findByTestId('progress-text')).toHaveTextContent('Step 3/20 · ETA 12 s')
    expect(screen.getByTestId('live-preview')).toHaveAttribute('src', 'data:image/png;base64,AAA')
    act(() => emit(EVENTS.jobsProgress, { jobId: job.id, step: 4, total: 20, etaSeconds: 9, preview: 'data:image/png;base64,BBB' }))
    expect(screen.getByTestId('live-preview')).toHaveAttribute('src', 'data:image/png;base64,BBB')

    backend.outputs = [makeOutput(7, { path: '/out/fox.png', seed: 4242 })]
    act(() => emit(EVENTS.jobsChanged, { ...job, state: 'done', outputs: [{ path: '/out/fox.png', width: 512, height: 512, seed: 4242 }] }))
    const img = await screen.findByTestId('result-image')
    expect(img).toHaveAttribute('src', '/media/outputs/o7')
    expect(screen.queryByTestId('progress-text')).toBeNull()

    fireEvent.click(screen.getByTestId('result-reveal'))
    expect(api.revealOutput).toHaveBeenCalledWith('o7')
    fireEvent.click(screen.getByTestId('result-reuse-seed'))
    expect(useGenerateStore.getState().form('txt2img').seed).toBe(4242)
    fireEvent.click(screen.getByTestId('result-to-img2img'))
    expect(useGenerateStore.getState().tab).toBe('img2img')
    expect(useGenerateStore.getState().form('img2img').initImage).toBe('/out/fox.png')
    expect(await screen.findByTestId('init-preview')).toHaveAttribute('src', '/media/outputs/o7')
    off()
  })

  it('interrupts the running job', async () => {
    const { off } = await setup()
    fireEvent.click(screen.getByTestId('generate-button'))
    await waitFor(() => expect(backend.jobs).toHaveLength(1))
    const job = backend.jobs[0] as Job
    act(() => emit(EVENTS.jobsChanged, running(job)))
    fireEvent.click(await screen.findByTestId('interrupt-button'))
    await waitFor(() => expect(api.cancelJob).toHaveBeenCalledWith(job.id))
    act(() => emit(EVENTS.jobsChanged, { ...job, state: 'cancelled' }))
    expect(await screen.findByTestId('job-ended')).toHaveTextContent('Interrupted')
    expect(screen.queryByTestId('interrupt-button')).toBeNull()
    off()
  })

  it('adds a LoRA tag from the browser with its strength', async () => {
    const { off } = await setup()
    fireEvent.change(screen.getByTestId('prompt'), { target: { value: 'a fox' } })
    fireEvent.click(screen.getByTestId('lora-button'))
    const browser = await screen.findByTestId('lora-browser')
    fireEvent.change(within(browser).getByLabelText('Strength of detail'), { target: { value: '0.65' } })
    fireEvent.click(within(browser).getByRole('button', { name: 'Add detail' }))
    expect(screen.getByTestId('prompt')).toHaveValue('a fox, <lora:detail:0.65>')
    off()
  })

  it('swaps the size and applies a preset', async () => {
    const { off } = await setup()
    fireEvent.click(screen.getAllByTestId('size-preset').find((b) => b.textContent === '512×768') as HTMLElement)
    expect(screen.getByTestId('width-input')).toHaveValue(512)
    expect(screen.getByTestId('height-input')).toHaveValue(768)
    fireEvent.click(screen.getByTestId('swap-size'))
    expect(screen.getByTestId('width-input')).toHaveValue(768)
    expect(screen.getByTestId('height-input')).toHaveValue(512)
    off()
  })

  it('uploads a file dropped on the Img2Img drop zone', async () => {
    const { off } = await setup()
    act(() => useGenerateStore.getState().setTab('img2img'))
    const zone = await screen.findByTestId('init-dropzone')
    const file = new File([new Uint8Array([1, 2, 3])], 'drop.png', { type: 'image/png' })
    fireEvent.drop(zone, { dataTransfer: { files: [file], getData: () => '' } })
    await waitFor(() => expect(api.saveUpload).toHaveBeenCalledWith('drop.png', 'AQID'))
    expect(await screen.findByTestId('init-preview')).toHaveAttribute('src', expect.stringMatching(/^data:image\/png;base64,AQID/))
    off()
  })
})

describe('Queue panel', () => {
  it('lists jobs with a badge of active ones, cancels one and clears finished', async () => {
    backend.jobs = [
      { id: 'a', state: 'running', request: { provider: 'local', model: 'm', mode: 'txt2img', prompt: 'first', negativePrompt: '' } },
      { id: 'b', state: 'done', request: { provider: 'local', model: 'm', mode: 'txt2img', prompt: 'second', negativePrompt: '' } },
    ]
    await useJobsStore.getState().load()
    render(
      <TooltipProvider>
        <TopBar title="t" />
      </TooltipProvider>,
    )
    expect(screen.getByTestId('queue-badge')).toHaveTextContent('1')
    fireEvent.click(screen.getByTestId('queue-toggle'))
    const panel = await screen.findByTestId('queue-panel')
    expect(within(panel).getAllByTestId('queue-job').map((e) => e.getAttribute('data-state'))).toEqual(['running', 'done'])
    fireEvent.click(within(panel).getByTestId('queue-cancel'))
    await waitFor(() => expect(api.cancelJob).toHaveBeenCalledWith('a'))
    fireEvent.click(within(panel).getByTestId('queue-clear'))
    await waitFor(() => expect(within(panel).getAllByTestId('queue-job')).toHaveLength(1))
  })
})
