import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { TooltipProvider } from '@/components/ui/tooltip'
import { api } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import { useJobsStore } from '@/stores/jobs'
import { useSettingsStore } from '@/stores/settings'
import { initialWorkflowsState, useWorkflowsStore } from '@/stores/workflows'
import { backend, emit } from '@/test/fake-api'
import { makeSettings } from '@/test/fixtures'
import { WorkflowsPage } from './WorkflowsPage'

function renderPage() {
  const offJobs = useJobsStore.getState().listen()
  const view = render(
    <TooltipProvider>
      <WorkflowsPage />
    </TooltipProvider>,
  )
  return { ...view, offJobs }
}

beforeEach(() => {
  useWorkflowsStore.setState(initialWorkflowsState)
})

describe('WorkflowsPage', () => {
  it('lists templates with descriptions and opens one as a form, named inputs first', async () => {
    await useSettingsStore.getState().load()
    renderPage()
    const list = await screen.findByTestId('workflow-templates')
    expect(within(list).getByTestId('template-txt2img/txt2img')).toHaveTextContent('Text to image')
    expect(within(list).getByTestId('template-my-portraits')).toHaveTextContent('Yours')

    fireEvent.click(within(list).getByTestId('template-txt2img/txt2img'))
    await waitFor(() => expect(api.loadWorkflowTemplate).toHaveBeenCalledWith('txt2img/txt2img'))
    expect(await screen.findByTestId('workflow-name')).toHaveTextContent('txt2img')
    const inputs = screen.getByTestId('workflow-inputs')
    const names = Array.from(inputs.children).map((c) => c.textContent ?? '')
    expect(names.map((n) => n.split(/KSampler|Checkpoint|CLIP|Empty/)[0])).toEqual(['model', 'negative', 'prompt', 'sampler', 'size'])
    expect(within(inputs).getByTestId('field-6.text')).toHaveValue('a beautiful landscape')
    // Every node is listed with its class; named ones point up to the form.
    expect(screen.getByTestId('node-8')).toHaveTextContent('VAEDecode')
    expect(screen.getByTestId('node-9')).toHaveTextContent('SaveImage')
  })

  it('runs locally with the edited values and shows progress and the images', async () => {
    await useSettingsStore.getState().load()
    renderPage()
    fireEvent.click(await screen.findByTestId('template-txt2img/txt2img'))
    const prompt = await screen.findByTestId('field-6.text')
    fireEvent.change(prompt, { target: { value: 'a lighthouse' } })
    fireEvent.change(screen.getByTestId('field-3.steps'), { target: { value: '4' } })
    fireEvent.click(screen.getByTestId('run-local'))
    await waitFor(() =>
      expect(api.runWorkflow).toHaveBeenCalledWith({
        template: 'txt2img/txt2img',
        target: 'local',
        values: [
          { node: '6', input: 'text', value: 'a lighthouse' },
          { node: '3', input: 'steps', value: 4 },
        ],
      }),
    )
    const job = backend.jobs[0]!
    act(() => {
      emit(EVENTS.jobsChanged, { ...job, state: 'running' })
      emit(EVENTS.jobsProgress, { jobId: job.id, step: 2, total: 4, message: 'KSampler (node 3)' })
    })
    expect(await screen.findByTestId('workflow-progress')).toHaveTextContent('KSampler (node 3)')
    expect(screen.getByTestId('workflow-run')).toHaveTextContent('2/4')

    backend.outputs = [
      { id: 'o1', jobId: job.id, path: '/out/txt2img_00001_.png', provider: 'workflow', model: 'txt2img', prompt: 'a lighthouse', negativePrompt: '', seed: 0, width: 512, height: 512, createdAt: '', exists: true, url: '/media/o1', thumbUrl: '' },
    ]
    act(() => emit(EVENTS.jobsChanged, { ...job, state: 'done', outputs: [{ path: '/out/txt2img_00001_.png', width: 512, height: 512, seed: 0 }] }))
    const results = await screen.findByTestId('workflow-results')
    expect(within(results).getByRole('img')).toHaveAttribute('src', '/media/o1')
    expect(results).toHaveTextContent('txt2img_00001_.png')
  })

  it('disables the remote run with a hint until servers are configured', async () => {
    await useSettingsStore.getState().load()
    renderPage()
    fireEvent.click(await screen.findByTestId('template-txt2img/txt2img'))
    expect(await screen.findByTestId('run-remote')).toBeDisabled()
    expect(screen.getByTestId('servers-hint')).toHaveTextContent('No ComfyUI servers configured')

    act(() => useSettingsStore.getState().applyRemote(makeSettings({ comfyui: { servers: ['http://gpu:8188'] } })))
    expect(screen.getByTestId('run-remote')).toBeEnabled()
    expect(screen.queryByTestId('servers-hint')).toBeNull()
    fireEvent.click(screen.getByTestId('run-remote'))
    await waitFor(() => expect(api.runWorkflow).toHaveBeenCalledWith(expect.objectContaining({ target: 'remote' })))
  })

  it('opens a dropped ComfyUI PNG and sends its graph back when run', async () => {
    await useSettingsStore.getState().load()
    renderPage()
    const png = new File([new Uint8Array([137, 80, 78, 71])], 'ComfyUI_00001_.png', { type: 'image/png' })
    fireEvent.drop(screen.getByTestId('workflow-dropzone'), { dataTransfer: { files: [png] } })
    await waitFor(() => expect(api.loadWorkflowData).toHaveBeenCalledWith('ComfyUI_00001_.png', 'iVBORw=='))
    expect(await screen.findByTestId('workflow-name')).toHaveTextContent('ComfyUI_00001_.png')
    expect(screen.getByTestId('workflow-view')).toHaveTextContent('ComfyUI PNG')
    fireEvent.click(screen.getByTestId('run-local'))
    await waitFor(() => expect(api.runWorkflow).toHaveBeenCalledWith(expect.objectContaining({ graph: expect.stringContaining('KSampler'), name: 'ComfyUI_00001_.png', target: 'local' })))
  })

  it('shows why a file cannot be opened, and why a graph cannot run here', async () => {
    await useSettingsStore.getState().load()
    vi.mocked(api.loadWorkflowData).mockRejectedValueOnce(new Error('load plain.png: the PNG has no ComfyUI workflow'))
    renderPage()
    fireEvent.drop(screen.getByTestId('workflow-dropzone'), { dataTransfer: { files: [new File(['x'], 'plain.png', { type: 'image/png' })] } })
    expect(await screen.findByTestId('workflow-load-error')).toHaveTextContent('no ComfyUI workflow')

    const { sampleWorkflow } = await import('@/dev/mock-workflows')
    vi.mocked(api.loadWorkflowData).mockResolvedValueOnce(sampleWorkflow({ name: 'custom.json', source: 'json', template: undefined, problem: 'node 12 (FaceDetailer): unknown node type' }))
    fireEvent.drop(screen.getByTestId('workflow-dropzone'), { dataTransfer: { files: [new File(['{}'], 'custom.json', { type: 'application/json' })] } })
    expect(await screen.findByTestId('workflow-problem')).toHaveTextContent('FaceDetailer')
    expect(screen.getByTestId('run-local')).toBeDisabled()
  })
})
