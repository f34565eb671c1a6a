// Decoding an image file's pixels in the webview, for an uploaded mask. Kept
// apart from mask.ts because it needs a real canvas (tests replace it).

export interface Pixels {
  data: Uint8ClampedArray
  width: number
  height: number
}

/** The RGBA pixels of the image at url (a data: URL or a same-origin path). */
export function readPixels(url: string): Promise<Pixels> {
  return new Promise((resolve, reject) => {
    const img = new Image()
    img.onload = () => {
      const { naturalWidth: width, naturalHeight: height } = img
      const canvas = document.createElement('canvas')
      canvas.width = width
      canvas.height = height
      const ctx = canvas.getContext('2d', { willReadFrequently: true })
      if (!ctx || width < 1 || height < 1) {
        reject(new Error('this view cannot read image pixels'))
        return
      }
      ctx.drawImage(img, 0, 0)
      resolve({ data: ctx.getImageData(0, 0, width, height).data, width, height })
    }
    img.onerror = () => reject(new Error('not an image this view can read'))
    img.src = url
  })
}
