import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { api } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import { useGalleryStore } from '@/stores/gallery'
import { backend, emit } from '@/test/fake-api'
import { makeOutput } from '@/test/fixtures'
import { rangeBounds } from '@/components/gallery/GalleryFilters'
import { GalleryPage } from './GalleryPage'

const shown = () => screen.getAllByTestId('gallery-item').map((e) => e.getAttribute('data-output-id'))

function pick(trigger: string, option: string) {
  fireEvent.keyDown(screen.getByTestId(trigger), { key: 'Enter' })
  fireEvent.click(within(screen.getByRole('listbox')).getByRole('option', { name: option }))
}

describe('GalleryPage', () => {
  it('shows the empty state when there are no images', async () => {
    render(<GalleryPage />)
    const empty = await screen.findByTestId('gallery-empty')
    expect(empty).toHaveTextContent('No images yet')
    expect(empty).toHaveTextContent('Generated images appear here')
  })

  it('shows thumbnails and opens the lightbox with details', async () => {
    backend.outputs = [makeOutput(1, { prompt: 'a red fox in snow', seed: 4242 }), makeOutput(2)]
    render(<GalleryPage />)
    const items = await screen.findAllByTestId('gallery-item')
    expect(items).toHaveLength(2)
    expect(screen.queryByTestId('gallery-empty')).toBeNull()
    expect(items[0]?.querySelector('img')).toHaveAttribute('src', '/media/outputs/o1?thumb=1')

    fireEvent.click(items[0] as HTMLElement)
    const box = await screen.findByTestId('gallery-lightbox')
    expect(box).toHaveTextContent('a red fox in snow')
    expect(box).toHaveTextContent('4242')
    expect(box).toHaveTextContent('512 × 512')
  })

  it('debounces search and says when nothing matches', async () => {
    backend.outputs = [makeOutput(1)]
    render(<GalleryPage />)
    await screen.findAllByTestId('gallery-item')
    vi.mocked(api.listOutputsFiltered).mockClear()
    const box = screen.getByRole('searchbox', { name: 'Search images' })
    fireEvent.change(box, { target: { value: 'z' } })
    fireEvent.change(box, { target: { value: 'ze' } })
    fireEvent.change(box, { target: { value: 'zebra' } })
    await waitFor(() => expect(api.listOutputsFiltered).toHaveBeenCalledWith(expect.objectContaining({ text: 'zebra' }), 0, expect.any(Number)))
    expect(vi.mocked(api.listOutputsFiltered).mock.calls.map((c) => c[0].text)).toEqual(['zebra'])
    expect(await screen.findByText('No images match')).toBeInTheDocument()
    expect(screen.queryByTestId('gallery-empty')).toBeNull()
  })

  it('drops an image when the backend reports it deleted', async () => {
    backend.outputs = [makeOutput(1), makeOutput(2)]
    const off = useGalleryStore.getState().listen()
    render(<GalleryPage />)
    await screen.findAllByTestId('gallery-item')
    act(() => emit(EVENTS.galleryChanged, { type: 'deleted', id: 'o1' }))
    expect(screen.getAllByTestId('gallery-item').map((e) => e.getAttribute('data-output-id'))).toEqual(['o2'])
    off()
  })
})

describe('GalleryPage → Img2Img', () => {
  it('sends an image to Img2Img and opens Generate', async () => {
    const { useGenerateStore } = await import('@/stores/generate')
    backend.outputs = [makeOutput(1, { path: '/out/one.png' })]
    render(<GalleryPage />)
    fireEvent.click((await screen.findAllByTestId('gallery-item'))[0] as HTMLElement)
    fireEvent.click(await screen.findByTestId('gallery-to-img2img'))
    expect(window.location.hash).toBe('#/generate')
    const s = useGenerateStore.getState()
    expect(s.tab).toBe('img2img')
    expect(s.form('img2img')).toMatchObject({ initImage: '/out/one.png', initPreview: '/media/outputs/o1' })
  })
})

describe('GalleryPage filters', () => {
  it('offers the models and providers in the data and narrows the grid, with the search', async () => {
    backend.outputs = [
      makeOutput(1, { prompt: 'red fox', model: 'sd15', provider: 'local' }),
      makeOutput(2, { prompt: 'red fox poster', model: 'gpt-image-1', provider: 'openai' }),
      makeOutput(3, { prompt: 'blue whale', model: 'sd15', provider: 'local' }),
    ]
    render(<GalleryPage />)
    await screen.findAllByTestId('gallery-item')
    expect(shown()).toEqual(['o1', 'o2', 'o3'])

    fireEvent.keyDown(screen.getByTestId('filter-model'), { key: 'Enter' })
    const options = within(screen.getByRole('listbox')).getAllByRole('option').map((o) => o.textContent)
    expect(options).toEqual(['All models', 'sd152', 'gpt-image-11'])
    fireEvent.click(within(screen.getByRole('listbox')).getByRole('option', { name: /^sd15/ }))
    await waitFor(() => expect(shown()).toEqual(['o1', 'o3']))

    pick('filter-model', 'All models')
    pick('filter-provider', 'OpenAI')
    await waitFor(() => expect(shown()).toEqual(['o2']))
    expect(api.listOutputsFiltered).toHaveBeenLastCalledWith(expect.objectContaining({ provider: 'openai', model: '' }), 0, expect.any(Number))

    pick('filter-provider', 'Local')
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search images' }), { target: { value: 'red' } })
    await waitFor(() => expect(shown()).toEqual(['o1']))

    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }))
    await waitFor(() => expect(shown()).toEqual(['o1', 'o2']))
  })

  it('filters by date and says when nothing matches', async () => {
    const now = Date.now()
    backend.outputs = [
      makeOutput(1, { createdAt: new Date(now - 60_000).toISOString() }),
      makeOutput(2, { provider: 'openai', createdAt: new Date(now - 10 * 86_400_000).toISOString() }),
      makeOutput(3, { createdAt: new Date(now - 100 * 86_400_000).toISOString() }),
    ]
    render(<GalleryPage />)
    await screen.findAllByTestId('gallery-item')
    pick('filter-date', 'Last 30 days')
    await waitFor(() => expect(shown()).toEqual(['o1', 'o2']))
    pick('filter-date', 'Today')
    await waitFor(() => expect(shown()).toEqual(['o1']))

    pick('filter-date', 'Custom range…')
    const old = new Date(now - 100 * 86_400_000)
    const day = `${old.getFullYear()}-${String(old.getMonth() + 1).padStart(2, '0')}-${String(old.getDate()).padStart(2, '0')}`
    fireEvent.change(screen.getByLabelText('From date'), { target: { value: day } })
    fireEvent.change(screen.getByLabelText('To date'), { target: { value: day } })
    await waitFor(() => expect(shown()).toEqual(['o3']))

    pick('filter-provider', 'OpenAI')
    expect(await screen.findByText('No images match')).toBeInTheDocument()
  })

  it('computes date ranges in local time', () => {
    const now = new Date(2025, 2, 10, 15, 30)
    expect(rangeBounds('all', now)).toEqual({ sinceMs: 0, untilMs: 0 })
    expect(rangeBounds('today', now)).toEqual({ sinceMs: new Date(2025, 2, 10).getTime(), untilMs: 0 })
    expect(rangeBounds('7d', now)).toEqual({ sinceMs: new Date(2025, 2, 4).getTime(), untilMs: 0 })
    expect(rangeBounds('30d', now)).toEqual({ sinceMs: new Date(2025, 1, 9).getTime(), untilMs: 0 })
    expect(rangeBounds('custom', now, '2025-01-02', '2025-01-03')).toEqual({
      sinceMs: new Date(2025, 0, 2).getTime(),
      untilMs: new Date(2025, 0, 4).getTime(),
    })
    expect(rangeBounds('custom', now, '', 'garbage')).toEqual({ sinceMs: 0, untilMs: 0 })
  })
})

describe('GalleryPage detail view', () => {
  const params = {
    sampler: 'euler_a',
    scheduler: 'karras',
    steps: 14,
    cfg_scale: 6.5,
    timings: { total_s: 2.5 },
    parameters: 'x\nSteps: 14, Sampler: Euler a',
  }

  it('shows every parameter, moves with the arrow keys and closes with Esc', async () => {
    backend.outputs = [
      makeOutput(1, { prompt: 'first', negativePrompt: 'blurry', seed: 11, params }),
      makeOutput(2, { prompt: 'second', seed: 22, path: '/out/second.png' }),
    ]
    render(<GalleryPage />)
    fireEvent.click((await screen.findAllByTestId('gallery-item'))[0] as HTMLElement)
    const box = await screen.findByTestId('gallery-lightbox')
    const value = (id: string) => within(box).getByTestId(`detail-${id}`).querySelector('dd')?.textContent
    expect(within(box).getByTestId('detail-prompt')).toHaveTextContent('first')
    expect(box).toHaveTextContent('blurry')
    expect(value('sampler')).toBe('Euler a')
    expect(value('schedule')).toBe('Karras')
    expect(value('steps')).toBe('14')
    expect(value('cfg-scale')).toBe('6.5')
    expect(value('seed')).toBe('11')
    expect(value('size')).toBe('512 × 512')
    expect(value('provider')).toBe('local')
    expect(value('model')).toBe('dreamshaper_8')
    expect(value('duration')).toBe('2.50 s')
    expect(value('file')).toBe('/out/1.png')

    fireEvent.keyDown(window, { key: 'ArrowRight' })
    await waitFor(() => expect(within(box).getByTestId('detail-prompt')).toHaveTextContent('second'))
    expect(value('file')).toBe('/out/second.png')
    expect(value('steps')).toBe('—')
    fireEvent.keyDown(window, { key: 'ArrowRight' }) // the last image: stays
    expect(within(box).getByTestId('detail-prompt')).toHaveTextContent('second')
    fireEvent.keyDown(window, { key: 'ArrowLeft' })
    await waitFor(() => expect(within(box).getByTestId('detail-prompt')).toHaveTextContent('first'))

    fireEvent.keyDown(box, { key: 'Escape' })
    await waitFor(() => expect(screen.queryByTestId('gallery-lightbox')).toBeNull())
  })

  it('copies the prompt and shows the file in its folder', async () => {
    const writeText = vi.fn(async () => {})
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    backend.outputs = [makeOutput(1, { prompt: 'a lighthouse at dusk' })]
    render(<GalleryPage />)
    fireEvent.click((await screen.findAllByTestId('gallery-item'))[0] as HTMLElement)
    fireEvent.click(await screen.findByRole('button', { name: 'Copy prompt' }))
    expect(writeText).toHaveBeenCalledWith('a lighthouse at dusk')
    fireEvent.click(screen.getByTestId('gallery-reveal'))
    await waitFor(() => expect(api.revealOutput).toHaveBeenCalledWith('o1'))
  })

  it('sends the parameters to Txt2Img', async () => {
    const { useGenerateStore } = await import('@/stores/generate')
    backend.outputs = [makeOutput(1, { prompt: 'a red fox', negativePrompt: 'lowres', seed: 4242, width: 768, height: 512, params })]
    render(<GalleryPage />)
    fireEvent.click((await screen.findAllByTestId('gallery-item'))[0] as HTMLElement)
    fireEvent.click(await screen.findByTestId('gallery-to-txt2img'))
    expect(window.location.hash).toBe('#/generate')
    const s = useGenerateStore.getState()
    expect(s.tab).toBe('txt2img')
    expect(s.form('txt2img')).toMatchObject({
      prompt: 'a red fox',
      negativePrompt: 'lowres',
      sampler: 'euler_a',
      scheduler: 'karras',
      steps: 14,
      cfgScale: 6.5,
      seed: 4242,
      width: 768,
      height: 512,
    })
  })
})
