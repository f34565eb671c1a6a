// Copying a result to the clipboard. The webview's async clipboard takes a
// PNG where it supports ClipboardItem (Chromium, WebKit); where it does not,
// or refuses image data, the file's path is copied instead so something
// useful still lands on the clipboard.

/** What ended up on the clipboard. */
export type Copied = 'image' | 'path'

export interface ClipboardLike {
  write?: (items: ClipboardItem[]) => Promise<void>
  writeText?: (text: string) => Promise<void>
}

type ItemConstructor = new (items: Record<string, Blob | Promise<Blob>>) => ClipboardItem

async function pngBlob(url: string, fetchFn: typeof fetch): Promise<Blob> {
  const res = await fetchFn(url)
  if (!res.ok) throw new Error(`could not read the image (HTTP ${res.status})`)
  // Typed here: a server may send the file without (or with a generic) content type.
  return new Blob([await res.arrayBuffer()], { type: 'image/png' })
}

/**
 * Copies the image at url (a PNG file at path) as image data, or its path
 * when image data cannot be copied. Rejects when the clipboard takes neither.
 */
export async function copyImage(
  url: string,
  path: string,
  clipboard: ClipboardLike | undefined = typeof navigator !== 'undefined' ? navigator.clipboard : undefined,
  Item: ItemConstructor | undefined = typeof ClipboardItem !== 'undefined' ? ClipboardItem : undefined,
  fetchFn: typeof fetch = fetch,
): Promise<Copied> {
  // Only PNG is an image type every clipboard accepts.
  if (clipboard?.write && Item && /\.png$/i.test(path)) {
    try {
      // The blob goes in as a promise: WebKit only keeps the click's user
      // activation for a write that starts synchronously.
      await clipboard.write([new Item({ 'image/png': pngBlob(url, fetchFn) })])
      return 'image'
    } catch {
      // Fall back to the path below.
    }
  }
  if (clipboard?.writeText) {
    await clipboard.writeText(path)
    return 'path'
  }
  throw new Error('the clipboard is not available here')
}
