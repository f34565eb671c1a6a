// The inpainting mask's pure logic: an 8-bit buffer at the init image's full
// resolution (0 keeps a pixel, 255 repaints it), brush strokes rasterised
// into it, invert and clear, an undo history of changed regions, reading an
// uploaded mask the way the engine does, and PNG export as a white-on-black
// grayscale image. Free of React and the DOM so it is tested directly.

/** A mask at an image's full size; data holds width*height values, row by row. */
export interface MaskBuffer {
  readonly width: number
  readonly height: number
  readonly data: Uint8Array
}

/** A pixel rectangle inside a mask. */
export interface Rect {
  x: number
  y: number
  w: number
  h: number
}

/** A point in image pixels; pixel (i, j) covers [i, i+1) × [j, j+1). */
export interface Point {
  x: number
  y: number
}

/** The largest side accepted, as the engine's decoder allows. */
export const MAX_MASK_SIDE = 16384

/** A pixel the engine repaints: above half, as its mask_round rule reads it. */
const ON = 128

export function createMask(width: number, height: number): MaskBuffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_MASK_SIDE || height > MAX_MASK_SIDE) {
    throw new RangeError(`mask size ${width}×${height} is outside 1…${MAX_MASK_SIDE}`)
  }
  return { width, height, data: new Uint8Array(width * height) }
}

export function fullRect(m: MaskBuffer): Rect {
  return { x: 0, y: 0, w: m.width, h: m.height }
}

/** The smallest rectangle holding both; null stands for nothing. */
export function unionRect(a: Rect | null, b: Rect | null): Rect | null {
  if (!a) return b
  if (!b) return a
  const x = Math.min(a.x, b.x)
  const y = Math.min(a.y, b.y)
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y }
}

/**
 * Sets every pixel whose centre lies within radius of the segment a→b (a
 * disc swept along it: one pointer move of a round brush) to value, and
 * returns the rectangle that may have changed, or null when the stroke is
 * wholly outside. a = b paints a single dab. The radius is at least √½ so
 * the pixel under the pointer is always covered.
 */
export function paintSegment(m: MaskBuffer, a: Point, b: Point, radius: number, value: number): Rect | null {
  if (![a.x, a.y, b.x, b.y, radius].every(Number.isFinite)) return null
  const r = Math.max(radius, Math.SQRT1_2)
  const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x) - r))
  const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - r))
  const x1 = Math.min(m.width, Math.ceil(Math.max(a.x, b.x) + r))
  const y1 = Math.min(m.height, Math.ceil(Math.max(a.y, b.y) + r))
  if (x0 >= x1 || y0 >= y1) return null
  const v = Math.max(0, Math.min(255, Math.round(value)))
  const dx = b.x - a.x
  const dy = b.y - a.y
  const len2 = dx * dx + dy * dy
  const r2 = r * r
  for (let py = y0; py < y1; py++) {
    const cy = py + 0.5
    const row = py * m.width
    for (let px = x0; px < x1; px++) {
      const cx = px + 0.5
      // The closest point of the segment to the pixel centre.
      let t = len2 > 0 ? ((cx - a.x) * dx + (cy - a.y) * dy) / len2 : 0
      t = t < 0 ? 0 : t > 1 ? 1 : t
      const ex = cx - (a.x + t * dx)
      const ey = cy - (a.y + t * dy)
      if (ex * ex + ey * ey <= r2) m.data[row + px] = v
    }
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
}

/** Swaps kept and repainted areas (soft edges invert too). */
export function invertMask(m: MaskBuffer): Rect {
  for (let i = 0; i < m.data.length; i++) m.data[i] = 255 - (m.data[i] as number)
  return fullRect(m)
}

export function clearMask(m: MaskBuffer): Rect {
  m.data.fill(0)
  return fullRect(m)
}

/** True when the engine would repaint nothing (it then runs plain img2img). */
export function isMaskEmpty(m: MaskBuffer): boolean {
  for (let i = 0; i < m.data.length; i++) if ((m.data[i] as number) >= ON) return false
  return true
}

function copyRegion(src: Uint8Array, width: number, r: Rect): Uint8Array {
  const out = new Uint8Array(r.w * r.h)
  for (let y = 0; y < r.h; y++) out.set(src.subarray((r.y + y) * width + r.x, (r.y + y) * width + r.x + r.w), y * r.w)
  return out
}

function sameRegion(a: Uint8Array, width: number, r: Rect, b: Uint8Array): boolean {
  for (let y = 0; y < r.h; y++) {
    const off = (r.y + y) * width + r.x
    for (let x = 0; x < r.w; x++) if (a[off + x] !== b[off + x]) return false
  }
  return true
}

interface Patch {
  rect: Rect
  before: Uint8Array
}

/**
 * Undo for a mask. begin() snapshots the mask before an edit (a whole
 * stroke, an invert, a loaded file); commit() keeps only the changed
 * region's old pixels, so a deep history of brush strokes on a large image
 * costs little memory.
 */
export class MaskHistory {
  private readonly limit: number
  private patches: Patch[] = []
  private snapshot: Uint8Array | null = null

  constructor(limit = 50) {
    this.limit = Math.max(1, limit)
  }

  get depth(): number {
    return this.patches.length
  }

  begin(m: MaskBuffer): void {
    if (this.snapshot?.length === m.data.length) this.snapshot.set(m.data)
    else this.snapshot = m.data.slice()
  }

  /** Records the edit since begin(); dirty bounds what it may have changed. Returns whether anything changed. */
  commit(m: MaskBuffer, dirty: Rect | null): boolean {
    const snap = this.snapshot
    if (!snap || !dirty || snap.length !== m.data.length) return false
    const r = clip(dirty, m)
    if (!r || sameRegion(snap, m.width, r, m.data)) return false
    this.patches.push({ rect: r, before: copyRegion(snap, m.width, r) })
    if (this.patches.length > this.limit) this.patches.splice(0, this.patches.length - this.limit)
    return true
  }

  /** Restores the mask as it was before the last edit; the rectangle changed, or null when there is nothing to undo. */
  undo(m: MaskBuffer): Rect | null {
    const p = this.patches.pop()
    if (!p) return null
    for (let y = 0; y < p.rect.h; y++) m.data.set(p.before.subarray(y * p.rect.w, (y + 1) * p.rect.w), (p.rect.y + y) * m.width + p.rect.x)
    return p.rect
  }

  clear(): void {
    this.patches = []
    this.snapshot = null
  }
}

function clip(r: Rect, m: MaskBuffer): Rect | null {
  const x = Math.max(0, r.x)
  const y = Math.max(0, r.y)
  const w = Math.min(m.width, r.x + r.w) - x
  const h = Math.min(m.height, r.y + r.h) - y
  return w > 0 && h > 0 ? { x, y, w, h } : null
}

/**
 * Reads an uploaded mask from its RGBA pixels (srcW×srcH) the way the engine
 * does, resampled (nearest) to the init image's width×height: alpha when any
 * pixel is transparent, else ITU-R 601 luma.
 */
export function maskFromRGBA(rgba: ArrayLike<number>, srcW: number, srcH: number, width: number, height: number): MaskBuffer {
  if (rgba.length < srcW * srcH * 4 || srcW < 1 || srcH < 1) throw new RangeError(`mask pixels do not fill ${srcW}×${srcH}`)
  const m = createMask(width, height)
  let useAlpha = false
  for (let i = 3; i < srcW * srcH * 4; i += 4) {
    if ((rgba[i] as number) < 255) {
      useAlpha = true
      break
    }
  }
  for (let y = 0; y < height; y++) {
    const sy = Math.min(srcH - 1, Math.floor(((y + 0.5) * srcH) / height))
    for (let x = 0; x < width; x++) {
      const sx = Math.min(srcW - 1, Math.floor(((x + 0.5) * srcW) / width))
      const o = (sy * srcW + sx) * 4
      m.data[y * width + x] = useAlpha
        ? (rgba[o + 3] as number)
        : ((rgba[o] as number) * 19595 + (rgba[o + 1] as number) * 38470 + (rgba[o + 2] as number) * 7471 + 0x8000) >> 16
    }
  }
  return m
}

/**
 * Fills out (r.w*r.h RGBA) with the mask's region r as a colour whose alpha
 * is the mask value: what the painter draws over the image.
 */
export function overlayRGBA(m: MaskBuffer, r: Rect, color: readonly [number, number, number], out: Uint8ClampedArray): void {
  const [cr, cg, cb] = color
  let o = 0
  for (let y = r.y; y < r.y + r.h; y++) {
    const row = y * m.width
    for (let x = r.x; x < r.x + r.w; x++) {
      out[o] = cr
      out[o + 1] = cg
      out[o + 2] = cb
      out[o + 3] = m.data[row + x] as number
      o += 4
    }
  }
}

// ---- PNG export ----

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function adler32(bytes: Uint8Array): number {
  let a = 1
  let b = 0
  // 5552 is the longest run whose sums cannot overflow before the modulo (zlib's NMAX).
  for (let i = 0; i < bytes.length; ) {
    const end = Math.min(bytes.length, i + 5552)
    for (; i < end; i++) {
      a += bytes[i] as number
      b += a
    }
    a %= 65521
    b %= 65521
  }
  return ((b << 16) | a) >>> 0
}

/** A zlib stream of stored (uncompressed) deflate blocks: valid everywhere, no compressor needed. */
function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 65535))
  const out = new Uint8Array(2 + raw.length + blocks * 5 + 4)
  out[0] = 0x78
  out[1] = 0x01
  let o = 2
  for (let i = 0; i < blocks; i++) {
    const start = i * 65535
    const len = Math.min(65535, raw.length - start)
    out[o++] = i === blocks - 1 ? 1 : 0
    out[o++] = len & 0xff
    out[o++] = len >>> 8
    out[o++] = ~len & 0xff
    out[o++] = (~len >>> 8) & 0xff
    out.set(raw.subarray(start, start + len), o)
    o += len
  }
  const ad = adler32(raw)
  out[o++] = ad >>> 24
  out[o++] = (ad >>> 16) & 0xff
  out[o++] = (ad >>> 8) & 0xff
  out[o++] = ad & 0xff
  return out
}

async function zlibCompressed(raw: Uint8Array): Promise<Uint8Array> {
  const cs = new CompressionStream('deflate')
  const writer = cs.writable.getWriter()
  const written = writer.write(raw as Uint8Array<ArrayBuffer>).then(() => writer.close())
  const [out] = await Promise.all([new Response(cs.readable).arrayBuffer(), written])
  return new Uint8Array(out)
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length)
  const v = new DataView(out.buffer)
  v.setUint32(0, body.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(body, 8)
  v.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)))
  return out
}

/**
 * The mask as an 8-bit grayscale PNG at its full size, white where the engine
 * repaints. compress uses the platform's deflate (CompressionStream) when it
 * has one; otherwise, or with compress false, the data is stored.
 */
export async function encodeMaskPNG(m: MaskBuffer, { compress = true }: { compress?: boolean } = {}): Promise<Uint8Array> {
  // Each row starts with filter type 0 (none).
  const raw = new Uint8Array((m.width + 1) * m.height)
  for (let y = 0; y < m.height; y++) raw.set(m.data.subarray(y * m.width, (y + 1) * m.width), y * (m.width + 1) + 1)
  let idat: Uint8Array
  if (compress && typeof CompressionStream !== 'undefined') {
    try {
      idat = await zlibCompressed(raw)
    } catch {
      idat = zlibStored(raw)
    }
  } else {
    idat = zlibStored(raw)
  }
  const ihdr = new Uint8Array(13)
  const hv = new DataView(ihdr.buffer)
  hv.setUint32(0, m.width)
  hv.setUint32(4, m.height)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 0 // colour type: grayscale
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Base64 of bytes, as Go's []byte travels through the bindings. */
export function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}
