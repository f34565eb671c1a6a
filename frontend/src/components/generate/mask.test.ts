import { describe, expect, it } from 'vitest'
import { decodePNG, firstDiff } from './testpng'
import {
  clearMask,
  createMask,
  encodeMaskPNG,
  invertMask,
  isMaskEmpty,
  MaskHistory,
  type MaskBuffer,
  maskFromRGBA,
  overlayRGBA,
  paintSegment,
  toBase64,
  unionRect,
} from './mask'

/** The mask drawn as text, one row a line: '#' for 255, '.' for 0, '?' otherwise. */
function draw(m: MaskBuffer): string {
  const rows: string[] = []
  for (let y = 0; y < m.height; y++) {
    let s = ''
    for (let x = 0; x < m.width; x++) {
      const v = m.data[y * m.width + x]
      s += v === 255 ? '#' : v === 0 ? '.' : '?'
    }
    rows.push(s)
  }
  return rows.join('\n')
}

describe('createMask', () => {
  it('makes a blank buffer of the given size and rejects impossible sizes', () => {
    const m = createMask(3, 2)
    expect(m.data).toHaveLength(6)
    expect(isMaskEmpty(m)).toBe(true)
    for (const [w, h] of [[0, 5], [5, -1], [2.5, 4], [20000, 10], [Number.NaN, 1]] as const) {
      expect(() => createMask(w, h)).toThrow(RangeError)
    }
  })
})

describe('paintSegment', () => {
  it('paints a dab as a disc of pixel centres within the radius', () => {
    const m = createMask(7, 7)
    const r = paintSegment(m, { x: 3.5, y: 3.5 }, { x: 3.5, y: 3.5 }, 2, 255)
    expect(draw(m)).toBe(['.......', '...#...', '..###..', '.#####.', '..###..', '...#...', '.......'].join('\n'))
    expect(r).toEqual({ x: 1, y: 1, w: 5, h: 5 })
  })

  it('sweeps the brush along the segment, covering both ends', () => {
    const m = createMask(10, 5)
    paintSegment(m, { x: 1.5, y: 2.5 }, { x: 8.5, y: 2.5 }, 1, 255)
    expect(draw(m)).toBe(['..........', '.########.', '##########', '.########.', '..........'].join('\n'))
  })

  it('covers a diagonal without gaps, whatever the pointer speed', () => {
    const m = createMask(12, 12)
    paintSegment(m, { x: 0.5, y: 0.5 }, { x: 11.5, y: 11.5 }, 0.5, 255)
    for (let i = 0; i < 12; i++) expect(m.data[i * 12 + i]).toBe(255)
    expect(m.data[11]).toBe(0) // the far corner stays clear
  })

  it('always paints the pixel under the pointer, even with a tiny brush', () => {
    const m = createMask(4, 4)
    paintSegment(m, { x: 2.95, y: 1.05 }, { x: 2.95, y: 1.05 }, 0.1, 255)
    expect(m.data[1 * 4 + 2]).toBe(255)
  })

  it('erases with value 0 and clips to the image, returning null wholly outside', () => {
    const m = createMask(5, 5)
    m.data.fill(255)
    const r = paintSegment(m, { x: -1, y: -1 }, { x: 0.5, y: 0.5 }, 1, 0)
    expect(r).toEqual({ x: 0, y: 0, w: 2, h: 2 })
    expect(m.data[0]).toBe(0)
    expect(m.data[4]).toBe(255)
    expect(paintSegment(m, { x: 40, y: 40 }, { x: 50, y: 60 }, 3, 0)).toBeNull()
    expect(paintSegment(m, { x: Number.NaN, y: 1 }, { x: 1, y: 1 }, 3, 0)).toBeNull()
    expect(m.data.filter((v) => v === 0)).toHaveLength(3)
  })
})

describe('invert, clear and emptiness', () => {
  it('inverts every value and clears to black', () => {
    const m = createMask(2, 2)
    m.data.set([0, 255, 100, 200])
    expect(invertMask(m)).toEqual({ x: 0, y: 0, w: 2, h: 2 })
    expect(Array.from(m.data)).toEqual([255, 0, 155, 55])
    expect(isMaskEmpty(m)).toBe(false)
    clearMask(m)
    expect(Array.from(m.data)).toEqual([0, 0, 0, 0])
    expect(isMaskEmpty(m)).toBe(true)
  })

  it('counts as empty what the engine would not repaint (≤ 127)', () => {
    const m = createMask(2, 1)
    m.data.set([127, 3])
    expect(isMaskEmpty(m)).toBe(true)
    m.data[1] = 128
    expect(isMaskEmpty(m)).toBe(false)
  })
})

describe('MaskHistory', () => {
  it('undoes strokes, invert and clear in reverse order', () => {
    const m = createMask(8, 8)
    const h = new MaskHistory()
    const states: string[] = [draw(m)]
    const edit = (op: () => ReturnType<typeof paintSegment>) => {
      h.begin(m)
      expect(h.commit(m, op())).toBe(true)
      states.push(draw(m))
    }
    edit(() => paintSegment(m, { x: 1, y: 1 }, { x: 6, y: 1 }, 1, 255))
    edit(() => unionRect(paintSegment(m, { x: 2, y: 5 }, { x: 2, y: 6 }, 1, 255), paintSegment(m, { x: 6, y: 6 }, { x: 6, y: 6 }, 1, 255)))
    edit(() => invertMask(m))
    edit(() => paintSegment(m, { x: 4, y: 4 }, { x: 4, y: 4 }, 2, 255))
    edit(() => clearMask(m))
    expect(h.depth).toBe(5)
    for (let i = states.length - 2; i >= 0; i--) {
      expect(h.undo(m)).not.toBeNull()
      expect(draw(m)).toBe(states[i])
    }
    expect(h.undo(m)).toBeNull()
  })

  it('keeps no entry for an edit that changed nothing', () => {
    const m = createMask(6, 6)
    const h = new MaskHistory()
    h.begin(m)
    expect(h.commit(m, paintSegment(m, { x: 3, y: 3 }, { x: 3, y: 3 }, 2, 0))).toBe(false) // erasing nothing
    h.begin(m)
    expect(h.commit(m, null)).toBe(false)
    expect(h.depth).toBe(0)
  })

  it('stores only the changed region and forgets the oldest edits past its limit', () => {
    const m = createMask(64, 64)
    const h = new MaskHistory(3)
    for (let i = 0; i < 5; i++) {
      h.begin(m)
      h.commit(m, paintSegment(m, { x: 10 * i + 2, y: 2 }, { x: 10 * i + 2, y: 2 }, 1, 255))
    }
    expect(h.depth).toBe(3)
    const painted = () => Array.from(m.data).filter((v) => v === 255).length
    const perDab = painted() / 5
    h.undo(m)
    h.undo(m)
    h.undo(m)
    expect(painted()).toBe(2 * perDab) // the two oldest dabs can no longer be undone
    expect(h.undo(m)).toBeNull()
  })
})

describe('maskFromRGBA', () => {
  it('reads luminance of an opaque mask and resamples to the image size', () => {
    // 2×1: white, black → 4×2.
    const rgba = [255, 255, 255, 255, 0, 0, 0, 255]
    const m = maskFromRGBA(rgba, 2, 1, 4, 2)
    expect(draw(m)).toBe('##..\n##..')
  })

  it('reads alpha when any pixel is transparent, as the engine does', () => {
    const rgba = [0, 0, 0, 255, 255, 255, 255, 0, 10, 10, 10, 128]
    const m = maskFromRGBA(rgba, 3, 1, 3, 1)
    expect(Array.from(m.data)).toEqual([255, 0, 128])
  })

  it('uses the 601 luma weights', () => {
    const m = maskFromRGBA([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255], 3, 1, 3, 1)
    expect(Array.from(m.data)).toEqual([76, 150, 29])
  })

  it('rejects pixels that do not fill the stated size', () => {
    expect(() => maskFromRGBA([0, 0, 0, 255], 2, 2, 2, 2)).toThrow(RangeError)
  })
})

describe('overlayRGBA', () => {
  it('colours a region with the mask as alpha', () => {
    const m = createMask(3, 2)
    m.data.set([0, 255, 9, 1, 2, 3])
    const out = new Uint8ClampedArray(2 * 2 * 4)
    overlayRGBA(m, { x: 1, y: 0, w: 2, h: 2 }, [10, 20, 30], out)
    expect(Array.from(out)).toEqual([10, 20, 30, 255, 10, 20, 30, 9, 10, 20, 30, 2, 10, 20, 30, 3])
  })
})

describe('encodeMaskPNG', () => {
  for (const compress of [true, false]) {
    it(`writes a white-on-black grayscale PNG at the mask's full size (${compress ? 'deflated' : 'stored'})`, async () => {
      const m = createMask(300, 7) // rows longer than one byte's worth, odd height
      paintSegment(m, { x: 10, y: 3.5 }, { x: 290, y: 3.5 }, 2, 255)
      m.data[0] = 77
      const png = await encodeMaskPNG(m, { compress })
      const got = await decodePNG(png)
      expect(got).toMatchObject({ width: 300, height: 7, depth: 8, colorType: 0 })
      expect(firstDiff(got.pixels, m.data)).toBe(-1)
    })
  }

  it('splits stored data into 64 KiB deflate blocks for large masks', async () => {
    const m = createMask(1024, 130) // 133 250 bytes of rows: three blocks
    for (let i = 0; i < m.data.length; i += 7) m.data[i] = 255
    const got = await decodePNG(await encodeMaskPNG(m, { compress: false }))
    expect(got.width).toBe(1024)
    expect(got.height).toBe(130)
    expect(firstDiff(got.pixels, m.data)).toBe(-1)
  })

  it('deflates a mostly blank mask to a small file', async () => {
    const m = createMask(1024, 1024)
    paintSegment(m, { x: 100, y: 100 }, { x: 900, y: 800 }, 40, 255)
    const png = await encodeMaskPNG(m)
    expect(png.length).toBeLessThan(64 * 1024)
    expect(firstDiff((await decodePNG(png)).pixels, m.data)).toBe(-1)
  })
})

describe('toBase64', () => {
  it('round-trips through the platform decoder, also past one chunk of bytes', () => {
    const bytes = new Uint8Array(70000).map((_, i) => (i * 31) % 256)
    const back = atob(toBase64(bytes))
    expect(back).toHaveLength(bytes.length)
    expect(firstDiff(Uint8Array.from(back, (c) => c.charCodeAt(0)), bytes)).toBe(-1)
    expect(toBase64(new Uint8Array([0xfb, 0xff]))).toBe('+/8=')
  })
})
