import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { toast } from 'sonner'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { initialMaskState, useMaskStore } from '@/components/generate/maskStore'
import { MaskHistory } from '@/components/generate/mask'
import { decodePNG } from '@/components/generate/testpng'
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

// An uploaded mask's pixels come from a real canvas in the webview; here a
// 2×1 image, white on the left, black on the right.
vi.mock('@/components/generate/pixels', () => ({
  readPixels: vi.fn(async () => ({ data: new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255]), width: 2, height: 1 })),
}))

const IMAGE_W = 40
const IMAGE_H = 30
// The canvas shows the image at 5× on screen.
const VIEW = { left: 10, top: 20, width: IMAGE_W * 5, height: IMAGE_H * 5 }

/** A 2D context that records what the painter draws. */
function fakeContext() {
  return {
    puts: [] as { x: number; y: number; w: number; h: number; data: Uint8ClampedArray }[],
    createImageData(w: number, h: number) {
      return { width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }
    },
    putImageData(img: { width: number; height: number; data: Uint8ClampedArray }, x: number, y: number) {
      this.puts.push({ x, y, w: img.width, h: img.height, data: img.data })
    },
  }
}

let ctx = fakeContext()

beforeEach(() => {
  ctx = fakeContext()
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation((() => ctx) as unknown as HTMLCanvasElement['getContext'])
  vi.spyOn(HTMLCanvasElement.prototype, 'getBoundingClientRect').mockImplementation(
    () => ({ ...VIEW, x: VIEW.left, y: VIEW.top, right: VIEW.left + VIEW.width, bottom: VIEW.top + VIEW.height, toJSON: () => ({}) }) as DOMRect,
  )
  useMaskStore.setState({ ...initialMaskState, history: new MaskHistory() })
})

afterEach(() => {
  vi.restoreAllMocks()
})

async function setup() {
  backend.models = [makeModel({ name: 'tiny', id: 'ck1' })]
  backend.settings = makeSettings({ generation: { ...makeSettings().generation, checkpoint: 'ck1', steps: 20 } })
  await Promise.all([useSettingsStore.getState().load(), useCatalogStore.getState().load()])
  const off = useJobsStore.getState().listen()
  render(
    <TooltipProvider>
      <GeneratePage />
    </TooltipProvider>,
  )
  return off
}

/** Opens Inpaint with an init image that has loaded at IMAGE_W×IMAGE_H. */
async function openInpaintWithImage(path = '/cache/uploads/init.png') {
  fireEvent.mouseDown(screen.getByTestId('tab-inpaint'))
  await screen.findByTestId('init-dropzone')
  act(() => useGenerateStore.getState().update('img2img', { initImage: path, initPreview: `data:image/png;base64,${path}` }))
  const img = await screen.findByTestId('init-preview')
  Object.defineProperty(img, 'naturalWidth', { value: IMAGE_W, configurable: true })
  Object.defineProperty(img, 'naturalHeight', { value: IMAGE_H, configurable: true })
  fireEvent.load(img)
  return screen.findByTestId('mask-canvas')
}

/** A stroke in screen pixels, as one pointer. */
function stroke(canvas: HTMLElement, points: [number, number][], pointerId = 1) {
  const [first, ...rest] = points as [[number, number], ...[number, number][]]
  const at = ([x, y]: [number, number]) => ({ clientX: VIEW.left + x, clientY: VIEW.top + y, pointerId, pointerType: 'mouse', button: 0 })
  fireEvent.pointerDown(canvas, at(first))
  for (const p of rest) fireEvent.pointerMove(canvas, at(p))
  fireEvent.pointerUp(canvas, at(rest.at(-1) ?? first))
}

/** The last mask PNG sent through SaveUpload, decoded. */
async function lastMaskUpload() {
  const calls = vi.mocked(api.saveUpload).mock.calls.filter((c) => c[0] === 'mask.png')
  const b64 = calls.at(-1)?.[1]
  expect(b64, 'a mask was uploaded').toBeDefined()
  return decodePNG(Uint8Array.from(atob(b64 as string), (c) => c.charCodeAt(0)))
}

const form = () => useGenerateStore.getState().form('img2img')
const at = (png: { width: number; pixels: Uint8Array }, x: number, y: number) => png.pixels[y * png.width + x]

describe('Inpaint tab', () => {
  it('is the Img2Img form with inpainting on, and shows the mask settings', async () => {
    const off = await setup()
    fireEvent.mouseDown(screen.getByTestId('tab-inpaint'))
    expect(await screen.findByTestId('tab-inpaint')).toHaveAttribute('data-state', 'active')
    expect(useGenerateStore.getState().tab).toBe('img2img')
    expect(form().inpaint).toBe(true)
    expect(screen.getByTestId('inpaint-options')).toBeInTheDocument()
    expect(screen.getByTestId('mask-blur')).toHaveValue(4)
    expect(screen.getByTestId('inpaint-fill')).toHaveTextContent('Original')
    expect(screen.getByTestId('inpaint-area')).toHaveTextContent('Whole picture')
    expect(screen.queryByTestId('inpaint-padding')).toBeNull()

    fireEvent.mouseDown(screen.getByTestId('tab-img2img'))
    await waitFor(() => expect(form().inpaint).toBe(false))
    expect(screen.queryByTestId('inpaint-options')).toBeNull()
    off()
  })

  it('paints a stroke, exports it at the image size as white on black, and generates with it', async () => {
    const off = await setup()
    const canvas = await openInpaintWithImage()
    expect(canvas).toHaveAttribute('width', String(IMAGE_W))
    expect(canvas).toHaveAttribute('height', String(IMAGE_H))

    // Brush 20 screen px at 5× is a 2-pixel radius in the image; a stroke along row 15 from x=10 to x=30.
    fireEvent.change(screen.getByTestId('mask-size'), { target: { value: '20' } })
    stroke(canvas, [[50, 75], [100, 75], [150, 75]])
    expect(ctx.puts.length).toBeGreaterThan(0) // drawn while painting

    await waitFor(() => expect(form().mask).toBe('/cache/uploads/mask.png'))
    const png = await lastMaskUpload()
    expect(png).toMatchObject({ width: IMAGE_W, height: IMAGE_H, colorType: 0 })
    expect(at(png, 20, 15)).toBe(255)
    expect(at(png, 10, 15)).toBe(255)
    expect(at(png, 30, 15)).toBe(255)
    expect(at(png, 20, 13)).toBe(255) // centre 13.5, 1.5 from the stroke
    expect(at(png, 20, 12)).toBe(0) // centre 12.5, 2.5 away: outside the radius
    expect(at(png, 5, 15)).toBe(0)
    expect(at(png, 35, 15)).toBe(0)
    expect(screen.getByTestId('mask-status')).toHaveTextContent('Painted mask')

    fireEvent.click(screen.getByTestId('generate-button'))
    await waitFor(() => expect(api.generate).toHaveBeenCalledTimes(1))
    expect(vi.mocked(api.generate).mock.calls[0]?.[0]).toMatchObject({
      mode: 'inpaint',
      initImage: '/cache/uploads/init.png',
      mask: '/cache/uploads/mask.png',
      maskBlur: 4,
      inpaintFill: 'original',
    })
    off()
  })

  it('waits for the last stroke to be saved before generating', async () => {
    const off = await setup()
    const canvas = await openInpaintWithImage()
    let release: () => void = () => {}
    vi.mocked(api.saveUpload).mockImplementationOnce(async (name) => {
      await new Promise<void>((r) => (release = r))
      return `/cache/uploads/slow-${name}`
    })
    stroke(canvas, [[100, 75]])
    fireEvent.keyDown(window, { key: 'Enter', ctrlKey: true })
    await new Promise((r) => setTimeout(r, 20))
    expect(api.generate).not.toHaveBeenCalled()
    release()
    await waitFor(() => expect(api.generate).toHaveBeenCalledTimes(1))
    expect(vi.mocked(api.generate).mock.calls[0]?.[0]).toMatchObject({ mode: 'inpaint', mask: '/cache/uploads/slow-mask.png' })
    off()
  })

  it('erases, undoes with Ctrl+Z and refuses to generate without a mask', async () => {
    const toastError = vi.spyOn(toast, 'error')
    const off = await setup()
    const canvas = await openInpaintWithImage()
    fireEvent.change(screen.getByTestId('mask-size'), { target: { value: '20' } })
    stroke(canvas, [[50, 75], [150, 75]])
    await waitFor(() => expect(form().mask).not.toBe(''))

    fireEvent.click(screen.getByTestId('mask-eraser'))
    expect(screen.getByTestId('mask-eraser')).toHaveAttribute('aria-pressed', 'true')
    stroke(canvas, [[100, 75]])
    await waitFor(async () => expect(at(await lastMaskUpload(), 20, 15)).toBe(0))
    expect(at(await lastMaskUpload(), 12, 15)).toBe(255)

    // Undo the erase, then the stroke: the mask is empty again.
    fireEvent.keyDown(window, { key: 'z', ctrlKey: true })
    await waitFor(async () => expect(at(await lastMaskUpload(), 20, 15)).toBe(255))
    fireEvent.keyDown(window, { key: 'z', metaKey: true })
    await waitFor(() => expect(form().mask).toBe(''))
    expect(screen.getByTestId('mask-undo')).toBeDisabled()

    // Ctrl+Z in the prompt box is the text's own undo.
    fireEvent.click(screen.getByTestId('mask-brush'))
    stroke(canvas, [[100, 75]])
    await waitFor(() => expect(form().mask).not.toBe(''))
    fireEvent.keyDown(screen.getByTestId('prompt'), { key: 'z', ctrlKey: true })
    await new Promise((r) => setTimeout(r, 10))
    expect(form().mask).not.toBe('')
    fireEvent.click(screen.getByTestId('mask-undo'))
    await waitFor(() => expect(form().mask).toBe(''))

    fireEvent.click(screen.getByTestId('generate-button'))
    await waitFor(() => expect(toastError).toHaveBeenCalledWith('Paint the area to repaint, or upload a mask', expect.anything()))
    expect(api.generate).not.toHaveBeenCalled()
    off()
  })

  it('inverts and clears the whole mask', async () => {
    const off = await setup()
    await openInpaintWithImage()
    fireEvent.click(screen.getByTestId('mask-invert'))
    await waitFor(() => expect(form().mask).not.toBe(''))
    const png = await lastMaskUpload()
    expect(png.pixels.every((v) => v === 255)).toBe(true)
    expect(png.pixels).toHaveLength(IMAGE_W * IMAGE_H)
    // The whole overlay was redrawn.
    expect(ctx.puts.at(-1)).toMatchObject({ x: 0, y: 0, w: IMAGE_W, h: IMAGE_H })

    fireEvent.click(screen.getByTestId('mask-clear'))
    await waitFor(() => expect(form().mask).toBe(''))
    off()
  })

  it('keeps the mask across tabs and drops it when the image changes', async () => {
    const off = await setup()
    const canvas = await openInpaintWithImage()
    stroke(canvas, [[100, 75]])
    await waitFor(() => expect(form().mask).not.toBe(''))

    fireEvent.mouseDown(screen.getByTestId('tab-txt2img'))
    await waitFor(() => expect(screen.queryByTestId('mask-canvas')).toBeNull())
    fireEvent.mouseDown(screen.getByTestId('tab-inpaint'))
    const img = await screen.findByTestId('init-preview')
    Object.defineProperty(img, 'naturalWidth', { value: IMAGE_W })
    Object.defineProperty(img, 'naturalHeight', { value: IMAGE_H })
    fireEvent.load(img)
    await screen.findByTestId('mask-canvas')
    expect(form().mask).toBe('/cache/uploads/mask.png')
    expect(screen.getByTestId('mask-undo')).toBeEnabled()

    act(() => useGenerateStore.getState().update('img2img', { initImage: '/cache/uploads/other.png', initPreview: 'data:image/png;base64,b3RoZXI=' }))
    expect(form().mask).toBe('')
    expect(useMaskStore.getState().mask).toBeNull()
    off()
  })

  it('uploads a mask file: the request sends that file, and the painter shows it', async () => {
    const off = await setup()
    await openInpaintWithImage()
    const file = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'my-mask.png', { type: 'image/png' })
    fireEvent.change(screen.getByTestId('mask-file-input'), { target: { files: [file] } })
    await waitFor(() => expect(form().mask).toBe('/cache/uploads/my-mask.png'))
    expect(screen.getByTestId('mask-status')).toHaveTextContent('Uploaded mask')
    // The 2×1 file, left white, read at the image's 40×30.
    const m = useMaskStore.getState().mask
    expect(m?.data[15 * IMAGE_W + 5]).toBe(255)
    expect(m?.data[15 * IMAGE_W + 35]).toBe(0)
    expect(vi.mocked(api.saveUpload).mock.calls.some((c) => c[0] === 'mask.png')).toBe(false)

    fireEvent.click(screen.getByTestId('generate-button'))
    await waitFor(() => expect(api.generate).toHaveBeenCalledTimes(1))
    expect(vi.mocked(api.generate).mock.calls[0]?.[0]).toMatchObject({ mode: 'inpaint', mask: '/cache/uploads/my-mask.png' })
    off()
  })

  it('sends only-masked inpainting with its padding, blur and masked content', async () => {
    const off = await setup()
    const canvas = await openInpaintWithImage()
    fireEvent.change(screen.getByTestId('mask-blur'), { target: { value: '9' } })
    act(() => useGenerateStore.getState().update('img2img', { inpaintOnlyMasked: true, inpaintFill: 'latent_noise' }))
    const padding = await screen.findByTestId('inpaint-padding')
    fireEvent.change(padding, { target: { value: '48' } })
    expect(screen.getByTestId('inpaint-fill')).toHaveTextContent('Latent noise')
    stroke(canvas, [[100, 75]])
    await waitFor(() => expect(form().mask).not.toBe(''))
    fireEvent.click(screen.getByTestId('generate-button'))
    await waitFor(() => expect(api.generate).toHaveBeenCalledTimes(1))
    expect(vi.mocked(api.generate).mock.calls[0]?.[0]).toMatchObject({ mode: 'inpaint', maskBlur: 9, inpaintOnlyMasked: true, inpaintPadding: 48, inpaintFill: 'latent_noise' })
    off()
  })
})

describe('result actions', () => {
  async function finishedJob() {
    const off = await setup()
    fireEvent.change(screen.getByTestId('prompt'), { target: { value: 'a fox' } })
    fireEvent.click(screen.getByTestId('generate-button'))
    await waitFor(() => expect(api.generate).toHaveBeenCalledTimes(1))
    const job = backend.jobs[0] as Job
    backend.outputs = [makeOutput(7, { path: '/out/fox.png', seed: 4242 })]
    act(() => emit(EVENTS.jobsChanged, { ...job, state: 'done', outputs: [{ path: '/out/fox.png', width: 512, height: 512, seed: 4242 }] }))
    await screen.findByTestId('result-image')
    return off
  }

  it('saves a copy where the dialog says, and says nothing when cancelled', async () => {
    const success = vi.spyOn(toast, 'success')
    const off = await finishedJob()
    fireEvent.click(screen.getByTestId('result-save-as'))
    await waitFor(() => expect(success).toHaveBeenCalledWith('Saved /saved/o7.png'))
    expect(api.saveOutputAs).toHaveBeenCalledWith('o7')

    vi.mocked(api.saveOutputAs).mockResolvedValueOnce('')
    success.mockClear()
    fireEvent.click(screen.getByTestId('result-save-as'))
    await waitFor(() => expect(api.saveOutputAs).toHaveBeenCalledTimes(2))
    await new Promise((r) => setTimeout(r, 10))
    expect(success).not.toHaveBeenCalled()

    const error = vi.spyOn(toast, 'error')
    vi.mocked(api.saveOutputAs).mockRejectedValueOnce(new Error('the destination is the image itself'))
    fireEvent.click(screen.getByTestId('result-save-as'))
    await waitFor(() => expect(error).toHaveBeenCalledWith('Could not save the image: the destination is the image itself', expect.anything()))
    off()
  })

  it('copies the image, or its path where image data cannot go, with a toast either way', async () => {
    const success = vi.spyOn(toast, 'success')
    const write = vi.fn(async (_items: ClipboardItem[]) => {})
    const writeText = vi.fn(async (_t: string) => {})
    Object.defineProperty(navigator, 'clipboard', { value: { write, writeText }, configurable: true })
    vi.stubGlobal('ClipboardItem', class {
      constructor(readonly items: Record<string, unknown>) {}
    })
    vi.stubGlobal('fetch', vi.fn(async () => new Response(new Uint8Array([0x89]), { status: 200 })))
    const off = await finishedJob()

    fireEvent.click(screen.getByTestId('result-copy'))
    await waitFor(() => expect(success).toHaveBeenCalledWith('Image copied to the clipboard'))
    expect(write).toHaveBeenCalledOnce()
    expect(fetch).toHaveBeenCalledWith('/media/outputs/o7')

    write.mockRejectedValueOnce(new Error('NotAllowedError'))
    fireEvent.click(screen.getByTestId('result-copy'))
    await waitFor(() => expect(success).toHaveBeenCalledWith('Copied the file path: /out/fox.png'))
    expect(writeText).toHaveBeenCalledWith('/out/fox.png')
    vi.unstubAllGlobals()
    off()
  })

  it('sends a result to Inpaint or Img2Img and keeps the older actions', async () => {
    const off = await finishedJob()
    fireEvent.click(screen.getByTestId('result-to-inpaint'))
    expect(useGenerateStore.getState().tab).toBe('img2img')
    expect(form()).toMatchObject({ inpaint: true, initImage: '/out/fox.png', initPreview: '/media/outputs/o7' })
    expect(await screen.findByTestId('tab-inpaint')).toHaveAttribute('data-state', 'active')

    fireEvent.mouseDown(screen.getByTestId('tab-txt2img'))
    await screen.findByTestId('result-image')
    fireEvent.click(screen.getByTestId('result-to-img2img'))
    expect(form().inpaint).toBe(false)
    expect(await screen.findByTestId('tab-img2img')).toHaveAttribute('data-state', 'active')

    fireEvent.mouseDown(screen.getByTestId('tab-txt2img'))
    await screen.findByTestId('result-image')
    fireEvent.click(screen.getByTestId('result-reveal'))
    expect(api.revealOutput).toHaveBeenCalledWith('o7')
    fireEvent.click(screen.getByTestId('result-open'))
    expect(api.openOutput).toHaveBeenCalledWith('o7')
    fireEvent.click(screen.getByTestId('result-reuse-seed'))
    expect(useGenerateStore.getState().form('txt2img').seed).toBe(4242)
    off()
  })
})
