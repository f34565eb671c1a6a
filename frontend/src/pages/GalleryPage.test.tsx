import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { api } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import { useGalleryStore } from '@/stores/gallery'
import { backend, emit } from '@/test/fake-api'
import { makeOutput } from '@/test/fixtures'
import { GalleryPage } from './GalleryPage'

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
    vi.mocked(api.listOutputs).mockClear()
    const box = screen.getByRole('searchbox', { name: 'Search images' })
    fireEvent.change(box, { target: { value: 'z' } })
    fireEvent.change(box, { target: { value: 'ze' } })
    fireEvent.change(box, { target: { value: 'zebra' } })
    await waitFor(() => expect(api.listOutputs).toHaveBeenCalledWith('zebra', 0, expect.any(Number)))
    expect(vi.mocked(api.listOutputs).mock.calls.map((c) => c[0])).toEqual(['zebra'])
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
