import { act, fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { TooltipProvider } from '@/components/ui/tooltip'
import { EVENTS } from '@/lib/events'
import { useCatalogStore } from '@/stores/catalog'
import { backend, emit } from '@/test/fake-api'
import { makeModel } from '@/test/fixtures'
import { filterModels, ModelsPage } from './ModelsPage'

const MODELS = [
  makeModel({ name: 'dreamshaper_8', kind: 'checkpoint', family: 'sd1' }),
  makeModel({ name: 'juggernautXL', kind: 'checkpoint', family: 'sdxl', autoV2: 'ffee001122' }),
  makeModel({ name: 'add_detail', kind: 'lora', family: 'sd1', fileName: 'add_detail.safetensors' }),
  makeModel({ name: 'sdxl_vae', kind: 'vae', family: 'sdxl' }),
  makeModel({ name: 'broken', kind: 'checkpoint', family: 'unknown', status: 'unreadable', error: 'header is truncated', sha256: '', autoV2: '' }),
]

const rowNames = () => screen.queryAllByTestId('model-row').map((r) => r.getAttribute('data-model-name'))

async function renderPage() {
  backend.models = MODELS
  await useCatalogStore.getState().load()
  const off = useCatalogStore.getState().listen()
  render(
    <TooltipProvider>
      <ModelsPage />
    </TooltipProvider>,
  )
  return off
}

describe('filterModels', () => {
  it('filters by kind, family and query together', () => {
    expect(filterModels(MODELS, { kind: 'checkpoint', family: 'all', query: '' }).map((m) => m.name)).toEqual([
      'dreamshaper_8',
      'juggernautXL',
      'broken',
    ])
    expect(filterModels(MODELS, { kind: 'all', family: 'sdxl', query: '' }).map((m) => m.name)).toEqual(['juggernautXL', 'sdxl_vae'])
    expect(filterModels(MODELS, { kind: 'checkpoint', family: 'sdxl', query: 'dream' })).toEqual([])
    expect(filterModels(MODELS, { kind: 'all', family: 'all', query: 'FFEE00' }).map((m) => m.name)).toEqual(['juggernautXL'])
    expect(filterModels(MODELS, { kind: 'all', family: 'all', query: 'ADD_DETAIL.safe' }).map((m) => m.name)).toEqual(['add_detail'])
  })
})

describe('ModelsPage', () => {
  it('shows every model with its kind counts', async () => {
    await renderPage()
    expect(screen.getByTestId('page-models')).toBeInTheDocument()
    expect(rowNames()).toHaveLength(5)
    expect(within(screen.getByRole('tab', { name: /Checkpoints/ })).getByText('3')).toBeInTheDocument()
    expect(within(screen.getByRole('tab', { name: /LoRA/ })).getByText('1')).toBeInTheDocument()
  })

  it('filters rows by kind tab and by search', async () => {
    await renderPage()
    const loraTab = screen.getByRole('tab', { name: /LoRA/ })
    fireEvent.mouseDown(loraTab)
    fireEvent.click(loraTab)
    expect(rowNames()).toEqual(['add_detail.safetensors'])

    const allTab = screen.getByRole('tab', { name: /All/ })
    fireEvent.mouseDown(allTab)
    fireEvent.click(allTab)
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search models' }), { target: { value: 'jugger' } })
    expect(rowNames()).toEqual(['juggernautXL.safetensors'])

    fireEvent.change(screen.getByRole('searchbox', { name: 'Search models' }), { target: { value: 'nothing-like-this' } })
    expect(rowNames()).toEqual([])
    expect(screen.getByText('No models match')).toBeInTheDocument()
  })

  it('shows the reason on unreadable rows and a spinner while hashing', async () => {
    backend.models = []
    await renderPage()
    const broken = screen.getAllByTestId('model-row').find((r) => r.getAttribute('data-model-name') === 'broken.safetensors')
    expect(broken && within(broken).getByText('header is truncated')).toBeInTheDocument()

    act(() => emit(EVENTS.catalogChanged, { type: 'added', model: makeModel({ name: 'fresh', hashing: true, sha256: '', autoV2: '' }) }))
    const fresh = screen.getAllByTestId('model-row').find((r) => r.getAttribute('data-model-name') === 'fresh.safetensors')
    expect(fresh && within(fresh).getByText('computing…')).toBeInTheDocument()
  })

  it('adds and removes rows live from catalog events', async () => {
    const off = await renderPage()
    act(() => emit(EVENTS.catalogChanged, { type: 'added', model: makeModel({ name: 'new_model' }) }))
    expect(rowNames()).toContain('new_model.safetensors')
    act(() => emit(EVENTS.catalogChanged, { type: 'removed', model: MODELS[0] }))
    expect(rowNames()).not.toContain('dreamshaper_8.safetensors')
    off()
  })

  it('explains where to put files when there are no models', async () => {
    backend.models = []
    await useCatalogStore.getState().load()
    render(<ModelsPage />)
    expect(screen.getByText('No models yet')).toBeInTheDocument()
    expect(screen.getByText('checkpoints/')).toBeInTheDocument()
    expect(screen.getByText('loras/')).toBeInTheDocument()
  })
})
