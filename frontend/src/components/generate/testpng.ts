// Test helpers: reading back the grayscale PNGs the mask painter writes.
import { expect } from 'vitest'

/** The first index where a and b differ, or -1; quicker than a deep equal on a megapixel. */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length)
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i
  return -1
}

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const ds = new DecompressionStream('deflate')
  const w = ds.writable.getWriter()
  const done = w.write(bytes as Uint8Array<ArrayBuffer>).then(() => w.close())
  const [out] = await Promise.all([new Response(ds.readable).arrayBuffer(), done])
  return new Uint8Array(out)
}

/** CRC-32 bit by bit, the slow textbook way, as a check on the table-driven one. */
function crc32Slow(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
  }
  return (c ^ 0xffffffff) >>> 0
}

/** Reads back our grayscale PNG: size, colour type and pixels, checking every chunk's CRC. */
export async function decodePNG(png: Uint8Array): Promise<{ width: number; height: number; depth: number; colorType: number; pixels: Uint8Array }> {
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength)
  let o = 8
  let width = 0
  let height = 0
  let depth = 0
  let colorType = -1
  const idat: Uint8Array[] = []
  const types: string[] = []
  while (o < png.length) {
    const len = v.getUint32(o)
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8))
    types.push(type)
    const body = png.subarray(o + 8, o + 8 + len)
    expect(v.getUint32(o + 8 + len), `${type} CRC`).toBe(crc32Slow(png.subarray(o + 4, o + 8 + len)))
    if (type === 'IHDR') {
      width = v.getUint32(o + 8)
      height = v.getUint32(o + 12)
      depth = body[8] as number
      colorType = body[9] as number
    } else if (type === 'IDAT') idat.push(body)
    o += 12 + len
  }
  expect(types).toEqual(['IHDR', 'IDAT', 'IEND'])
  const all = new Uint8Array(idat.reduce((n, c) => n + c.length, 0))
  idat.reduce((o, c) => (all.set(c, o), o + c.length), 0)
  const raw = await inflate(all)
  expect(raw.length).toBe((width + 1) * height)
  const pixels = new Uint8Array(width * height)
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width + 1)]).toBe(0) // filter: none
    pixels.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width)
  }
  return { width, height, depth, colorType, pixels }
}
