// The inpainting mask being painted, kept outside the painter component so
// it survives switching tabs and pages, and its link to the Img2Img form:
// every finished edit is exported as a PNG, stored through SaveUpload like a
// dropped file, and its path becomes the form's mask, exactly as an uploaded
// mask's does.
import { create } from 'zustand'
import { api } from '@/lib/api'
import { notify } from '@/lib/notify'
import { errorMessage } from '@/lib/utils'
import { useGenerateStore } from '@/stores/generate'
import { createMask, encodeMaskPNG, isMaskEmpty, type MaskBuffer, MaskHistory, type Rect, toBase64 } from './mask'

export interface MaskState {
  /** The init image path the mask belongs to; '' before any. */
  image: string
  mask: MaskBuffer | null
  history: MaskHistory
  /** Bumped by every finished edit, so views redraw and re-enable buttons. */
  revision: number
  /** Where the form's mask came from: nothing yet, the painter, or a file the user uploaded. */
  source: 'none' | 'painted' | 'uploaded'
  /** Edits exported but not yet in the form. */
  saving: number
  /**
   * Gives the image a blank mask at its full size, unless the mask already
   * belongs to it at that size. Returns whether a new mask was made.
   */
  attach: (image: string, width: number, height: number) => boolean
  /** Forgets the mask: the init image changed or was removed. */
  detach: () => void
  /** Snapshots the mask before a stroke (for undo). */
  beginStroke: () => void
  /** Ends a stroke that may have changed dirty: one undo step, then the mask is saved. */
  endStroke: (dirty: Rect | null) => void
  /** Runs a whole-mask edit (invert, clear) as one undo step and saves. */
  edit: (op: (m: MaskBuffer) => Rect | null) => void
  /** Undoes the last edit; the rectangle to redraw, or null. */
  undo: () => Rect | null
  /**
   * Takes an uploaded mask, already stored at path: the form sends that file
   * as it is, and the painter shows m (read at the image's size) when given.
   */
  load: (m: MaskBuffer | null, path: string) => void
  /** Resolves once every edit so far has reached the form's mask. */
  flush: () => Promise<void>
}

// Saves run one after another, so the form ends with the newest mask; a
// save asked for while one waits is the same save (it reads the mask when it runs).
interface SaveQueue {
  tail: Promise<void>
  waiting: boolean
}

export const initialMaskState = {
  image: '',
  mask: null as MaskBuffer | null,
  revision: 0,
  source: 'none' as MaskState['source'],
  saving: 0,
}

const setFormMask = (mask: string) => useGenerateStore.getState().update('img2img', { mask })

export const useMaskStore = create<MaskState>()((set, get) => {
  const queue: SaveQueue = { tail: Promise.resolve(), waiting: false }

  const save = async () => {
    const { mask, image } = get()
    if (!mask) return
    if (isMaskEmpty(mask)) {
      setFormMask('')
      set({ source: 'none' })
      return
    }
    try {
      const png = await encodeMaskPNG(mask)
      const path = await api.saveUpload('mask.png', toBase64(png))
      // A new image while this one saved makes the mask stale.
      if (get().image === image && get().mask === mask) {
        setFormMask(path)
        set({ source: 'painted' })
      }
    } catch (e) {
      notify.error(`Could not keep the mask: ${errorMessage(e)}`)
    }
  }

  const requestSave = () => {
    if (queue.waiting) return
    queue.waiting = true
    set({ saving: get().saving + 1 })
    queue.tail = queue.tail.then(async () => {
      queue.waiting = false
      await save()
      set({ saving: get().saving - 1 })
    })
  }

  const changed = (saveIt: boolean) => {
    set({ revision: get().revision + 1 })
    if (saveIt) requestSave()
  }

  return {
    ...initialMaskState,
    history: new MaskHistory(),
    attach: (image, width, height) => {
      const { mask } = get()
      if (get().image === image && mask && mask.width === width && mask.height === height) return false
      get().history.clear()
      set({ image, mask: createMask(width, height), revision: get().revision + 1, source: 'none' })
      return true
    },
    detach: () => {
      get().history.clear()
      set({ image: '', mask: null, revision: get().revision + 1, source: 'none' })
    },
    beginStroke: () => {
      const { mask, history } = get()
      if (mask) history.begin(mask)
    },
    endStroke: (dirty) => {
      const { mask, history } = get()
      if (mask && history.commit(mask, dirty)) changed(true)
    },
    edit: (op) => {
      const { mask, history } = get()
      if (!mask) return
      history.begin(mask)
      if (history.commit(mask, op(mask))) changed(true)
    },
    undo: () => {
      const { mask, history } = get()
      if (!mask) return null
      const r = history.undo(mask)
      if (r) changed(true)
      return r
    },
    load: (m, path) => {
      const { mask, history } = get()
      if (m && mask && m.width === mask.width && m.height === mask.height) {
        history.begin(mask)
        mask.data.set(m.data)
        history.commit(mask, { x: 0, y: 0, w: mask.width, h: mask.height })
      }
      setFormMask(path)
      set({ source: 'uploaded' })
      changed(false)
    },
    flush: () => queue.tail,
  }
})

// A new init image (dropped, pasted, sent from the results or the gallery,
// removed) makes the mask meaningless: forget it, and the form's mask too.
let lastImage = useGenerateStore.getState().forms.img2img?.initImage ?? ''
useGenerateStore.subscribe((s) => {
  const image = s.forms.img2img?.initImage ?? ''
  if (image === lastImage) return
  lastImage = image
  useMaskStore.getState().detach()
  if (s.forms.img2img && s.forms.img2img.mask !== '') useGenerateStore.getState().update('img2img', { mask: '' })
})
