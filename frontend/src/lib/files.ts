/** A file read for the backend (base64, as Go's []byte travels) and for display (a data: URL). */
export interface ReadFile {
  name: string
  base64: string
  dataUrl: string
}

export function readFile(file: Blob & { name?: string }): Promise<ReadFile> {
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onerror = () => reject(r.error ?? new Error('could not read the file'))
    r.onload = () => {
      const dataUrl = String(r.result)
      const comma = dataUrl.indexOf(',')
      resolve({ name: file.name || 'image.png', base64: comma < 0 ? '' : dataUrl.slice(comma + 1), dataUrl })
    }
    r.readAsDataURL(file)
  })
}

/** The first image among dropped or pasted files, if any. */
export function firstImage(files: FileList | File[] | null | undefined): File | null {
  for (const f of Array.from(files ?? [])) if (f.type.startsWith('image/') || /\.(png|jpe?g|webp)$/i.test(f.name)) return f
  return null
}

/** Drag payload for an output dragged from the results strip or the gallery onto Img2Img. */
export const OUTPUT_DRAG_TYPE = 'application/x-dreamlayer-output'

export interface OutputDrag {
  path: string
  url: string
}
