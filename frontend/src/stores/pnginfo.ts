import { create } from 'zustand'
import { api } from '@/lib/api'
import { readFile } from '@/lib/files'
import type { PNGInfo } from '@/lib/types'
import { errorMessage } from '@/lib/utils'

export interface PNGInfoState {
  info: PNGInfo | null
  /** A data: URL of the image read, for display. */
  preview: string
  fileName: string
  loading: boolean
  error: string | null
  read: (file: File) => Promise<PNGInfo | null>
  clear: () => void
}

export const initialPNGInfoState = { info: null, preview: '', fileName: '', loading: false, error: null }

export const usePNGInfoStore = create<PNGInfoState>()((set) => ({
  ...initialPNGInfoState,
  read: async (file) => {
    set({ loading: true, error: null, fileName: file.name })
    try {
      const f = await readFile(file)
      set({ preview: f.dataUrl })
      const info = await api.readPNGInfoData(f.base64)
      set({ info, loading: false })
      return info
    } catch (e) {
      set({ info: null, loading: false, error: errorMessage(e) })
      return null
    }
  },
  clear: () => set(initialPNGInfoState),
}))
