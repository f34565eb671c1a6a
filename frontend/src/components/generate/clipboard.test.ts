import { describe, expect, it, vi } from 'vitest'
import { copyImage } from './clipboard'

/** A ClipboardItem stand-in that keeps what it was given. */
class FakeItem {
  constructor(readonly items: Record<string, Blob | Promise<Blob>>) {}
}
const Item = FakeItem as unknown as new (items: Record<string, Blob | Promise<Blob>>) => ClipboardItem

/** A fetch answering bytes with a content type ('' for none). */
const okFetch = (body: Uint8Array, type = 'image/png') =>
  vi.fn(async () => new Response(body as Uint8Array<ArrayBuffer>, { status: 200, headers: type ? { 'Content-Type': type } : {} })) as unknown as typeof fetch

function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => resolve(new Uint8Array(r.result as ArrayBuffer))
    r.onerror = () => reject(r.error)
    r.readAsArrayBuffer(blob)
  })
}

describe('copyImage', () => {
  it('writes the PNG as image data where the clipboard takes it', async () => {
    const written: ClipboardItem[][] = []
    const clip = { write: vi.fn(async (items: ClipboardItem[]) => void written.push(items)), writeText: vi.fn(async () => {}) }
    const f = okFetch(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))
    await expect(copyImage('/media/outputs/o1', '/out/a.png', clip, Item, f)).resolves.toBe('image')
    expect(f).toHaveBeenCalledWith('/media/outputs/o1')
    const item = written[0]?.[0] as unknown as FakeItem
    const blob = await item.items['image/png']
    expect(blob?.type).toBe('image/png')
    expect(await bytesOf(blob as Blob)).toEqual(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))
    expect(clip.writeText).not.toHaveBeenCalled()
  })

  it('labels bytes served without a type as PNG', async () => {
    let got: Blob | undefined
    const clip = { write: async (items: ClipboardItem[]) => void (got = await (items[0] as unknown as FakeItem).items['image/png']) }
    await copyImage('/u', '/out/a.PNG', clip, Item, okFetch(new Uint8Array([1, 2]), ''))
    expect(got?.type).toBe('image/png')
    expect(await bytesOf(got as Blob)).toEqual(new Uint8Array([1, 2]))
  })

  it.each([
    ['no ClipboardItem', undefined, '/out/a.png'],
    ['not a PNG', Item, '/out/a.jpg'],
  ])('copies the path when image data cannot go (%s)', async (_name, item, path) => {
    const clip = { write: vi.fn(async () => {}), writeText: vi.fn(async (_t: string) => {}) }
    await expect(copyImage('/u', path, clip, item, okFetch(new Uint8Array()))).resolves.toBe('path')
    expect(clip.write).not.toHaveBeenCalled()
    expect(clip.writeText).toHaveBeenCalledWith(path)
  })

  it('falls back to the path when the image write is refused or the file cannot be read', async () => {
    const refused = { write: vi.fn(async () => Promise.reject(new Error('NotAllowedError'))), writeText: vi.fn(async (_t: string) => {}) }
    await expect(copyImage('/u', '/out/a.png', refused, Item, okFetch(new Uint8Array()))).resolves.toBe('path')
    expect(refused.writeText).toHaveBeenCalledWith('/out/a.png')

    // A write that awaits the blob fails as the fetch does.
    const awaiting = { write: async (items: ClipboardItem[]) => void (await (items[0] as unknown as FakeItem).items['image/png']), writeText: vi.fn(async (_t: string) => {}) }
    const notFound = vi.fn(async () => new Response('gone', { status: 404 })) as unknown as typeof fetch
    await expect(copyImage('/u', '/out/a.png', awaiting, Item, notFound)).resolves.toBe('path')
    expect(awaiting.writeText).toHaveBeenCalledOnce()
  })

  it('rejects when the clipboard takes nothing', async () => {
    await expect(copyImage('/u', '/out/a.png', undefined, Item, okFetch(new Uint8Array()))).rejects.toThrow(/clipboard/)
    await expect(copyImage('/u', '/out/a.png', {}, undefined, okFetch(new Uint8Array()))).rejects.toThrow(/clipboard/)
  })
})
