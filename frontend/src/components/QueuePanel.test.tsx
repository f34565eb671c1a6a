import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { toast } from 'sonner'
import { TooltipProvider } from '@/components/ui/tooltip'
import { BackendError } from '@/lib/api'
import type { Job, JobState } from '@/lib/types'
import { useJobsStore } from '@/stores/jobs'
import { api, backend } from '@/test/fake-api'
import { QueuePanel } from './QueuePanel'

function job(id: string, state: JobState, order: number, provider = 'local'): Job {
  return {
    id,
    state,
    order,
    request: { provider, model: 'm', mode: 'txt2img', prompt: `prompt ${id}`, negativePrompt: '' },
    progress: { jobId: id, step: 0, total: 20 },
    createdAt: '2025-01-01T00:00:00Z',
  }
}

async function renderPanel(jobs: Job[]) {
  backend.jobs = jobs
  await useJobsStore.getState().load()
  const off = useJobsStore.getState().listen()
  render(
    <TooltipProvider>
      <QueuePanel open onOpenChange={() => {}} />
    </TooltipProvider>,
  )
  return off
}

const rows = () => screen.getAllByTestId('queue-job').map((r) => r.getAttribute('data-job-id'))
const row = (id: string) => screen.getAllByTestId('queue-job').find((r) => r.getAttribute('data-job-id') === id)!

describe('QueuePanel reorder', () => {
  it('lists queued jobs in start order, after the running one', async () => {
    // Listed newest first, as Go answers; c was moved ahead of b.
    await renderPanel([job('d', 'done', 1), job('b', 'queued', 4), job('c', 'queued', 3), job('a', 'running', 2)])
    expect(rows()).toEqual(['a', 'c', 'b', 'd'])
  })

  it('moves a job up and down within its provider and follows the event', async () => {
    await renderPanel([job('r', 'running', 1), job('x', 'queued', 2), job('y', 'queued', 3), job('z', 'queued', 4)])
    expect(within(row('x')).getByTestId('queue-move-up')).toBeDisabled()
    expect(within(row('z')).getByTestId('queue-move-down')).toBeDisabled()
    expect(within(row('r')).queryByTestId('queue-move-up')).toBeNull()

    fireEvent.click(within(row('z')).getByTestId('queue-move-up'))
    expect(api.moveJob).toHaveBeenLastCalledWith('z', 1)
    await waitFor(() => expect(rows()).toEqual(['r', 'x', 'z', 'y']))

    fireEvent.click(within(row('x')).getByTestId('queue-move-down'))
    expect(api.moveJob).toHaveBeenLastCalledWith('x', 1)
    await waitFor(() => expect(rows()).toEqual(['r', 'z', 'x', 'y']))
  })

  it('counts places per provider', async () => {
    await renderPanel([job('l1', 'queued', 1), job('o1', 'queued', 2, 'openai'), job('l2', 'queued', 3)])
    // l2 is second in the local lane, whatever sits between in the list.
    fireEvent.click(within(row('l2')).getByTestId('queue-move-up'))
    expect(api.moveJob).toHaveBeenLastCalledWith('l2', 0)
    // A provider's only queued job has nothing to move past.
    expect(within(row('o1')).queryByTestId('queue-move-up')).toBeNull()
  })

  it('tells the user when the job started before the move', async () => {
    await renderPanel([job('x', 'queued', 1), job('y', 'queued', 2)])
    const shown = vi.spyOn(toast, 'error')
    api.moveJob.mockRejectedValueOnce(new BackendError('move job y (running): job is not queued'))
    await act(async () => {
      fireEvent.click(within(row('y')).getByTestId('queue-move-up'))
    })
    expect(rows()).toEqual(['x', 'y'])
    expect(shown).toHaveBeenCalledWith('Could not move the job: move job y (running): job is not queued', expect.anything())
    shown.mockRestore()
  })
})
