import { Brush, Eraser, FlipHorizontal2, Loader2, Trash2, Undo2, Upload } from 'lucide-react'
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react'
import { Button } from '@/components/ui/button'
import { Tip } from '@/components/ui/tooltip'
import { api } from '@/lib/api'
import { firstImage, readFile } from '@/lib/files'
import { notify } from '@/lib/notify'
import { cn, errorMessage } from '@/lib/utils'
import { useGenForm } from '@/stores/generate'
import { clearMask, fullRect, invertMask, maskFromRGBA, type Point, overlayRGBA, paintSegment, type Rect, unionRect } from './mask'
import { useMaskStore } from './maskStore'
import { readPixels } from './pixels'

/** The overlay's colour: the app's violet, readable over most images. */
const OVERLAY: readonly [number, number, number] = [168, 85, 247]
const MAX_VIEW_HEIGHT = 360
const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)

interface Stroke {
  pointerId: number
  last: Point
  dirty: Rect | null
}

function editable(t: EventTarget | null): boolean {
  return t instanceof HTMLElement && (t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')
}

/** The size that fits w×h into the available width and the painter's height, keeping the aspect. */
export function fitSize(w: number, h: number, availWidth: number, maxHeight = MAX_VIEW_HEIGHT): { width: number; height: number } {
  const avail = availWidth > 0 ? availWidth : 320
  const s = Math.min(avail / w, maxHeight / h)
  return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) }
}

/**
 * Paints the inpainting mask over the init image: a brush and an eraser
 * whose size is in screen pixels, undo (also Ctrl/Cmd+Z), invert, clear,
 * the overlay's opacity, and a mask file upload that loads into the canvas.
 * Works with mouse, pen and touch through pointer events.
 */
export function MaskPainter({ imageUrl, imagePath }: { imageUrl: string; imagePath: string }) {
  const form = useGenForm('img2img')
  const mask = useMaskStore((s) => s.mask)
  const maskImage = useMaskStore((s) => s.image)
  const revision = useMaskStore((s) => s.revision)
  const source = useMaskStore((s) => s.source)
  const saving = useMaskStore((s) => s.saving)
  const history = useMaskStore((s) => s.history)
  const [loaded, setLoaded] = useState<{ url: string; w: number; h: number } | null>(null)
  const natural = loaded?.url === imageUrl ? loaded : null
  const [avail, setAvail] = useState(0)
  const [mode, setMode] = useState<'brush' | 'eraser'>('brush')
  const [size, setSize] = useState(32)
  const [opacity, setOpacity] = useState(0.6)
  const [uploading, setUploading] = useState(false)
  const box = useRef<HTMLDivElement>(null)
  const canvas = useRef<HTMLCanvasElement>(null)
  const cursor = useRef<HTMLDivElement>(null)
  const fileInput = useRef<HTMLInputElement>(null)
  const stroke = useRef<Stroke | null>(null)
  // The revision the canvas already shows (a stroke draws as it goes).
  const drawn = useRef(-1)

  const ready = mask !== null && maskImage === imagePath && natural !== null && mask.width === natural.w && mask.height === natural.h

  // The mask lives at the image's full size; it is made once the image has loaded.
  useEffect(() => {
    if (!natural) return
    try {
      useMaskStore.getState().attach(imagePath, natural.w, natural.h)
    } catch (e) {
      notify.error(`Cannot paint on this image: ${errorMessage(e)}`)
    }
  }, [imagePath, natural])

  useLayoutEffect(() => {
    const el = box.current
    if (!el) return
    setAvail(el.clientWidth)
    const ro = new ResizeObserver(() => setAvail(el.clientWidth))
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  const draw = useCallback((r: Rect) => {
    const m = useMaskStore.getState().mask
    const ctx = canvas.current?.getContext('2d')
    if (!m || !ctx || r.w <= 0 || r.h <= 0) return
    const img = ctx.createImageData(r.w, r.h)
    overlayRGBA(m, r, OVERLAY, img.data)
    ctx.putImageData(img, r.x, r.y)
  }, [])

  // Whole redraws for edits made elsewhere than a stroke here (undo, invert, a loaded file, a new mask).
  useEffect(() => {
    if (!ready || !mask || drawn.current === revision) return
    drawn.current = revision
    draw(fullRect(mask))
  }, [ready, mask, revision, draw])

  const undo = useCallback(() => {
    useMaskStore.getState().undo()
  }, [])

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() !== 'z' || !(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey || editable(e.target)) return
      e.preventDefault()
      undo()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [undo])

  const toImage = (e: { clientX: number; clientY: number }): { p: Point; scale: number } | null => {
    const el = canvas.current
    const m = useMaskStore.getState().mask
    if (!el || !m) return null
    const r = el.getBoundingClientRect()
    if (r.width <= 0 || r.height <= 0) return null
    const sx = m.width / r.width
    return { p: { x: (e.clientX - r.left) * sx, y: (e.clientY - r.top) * (m.height / r.height) }, scale: sx }
  }

  const moveCursor = (e: React.PointerEvent, show: boolean) => {
    const c = cursor.current
    const el = canvas.current
    if (!c || !el) return
    const r = el.getBoundingClientRect()
    c.style.display = show && e.pointerType !== 'touch' ? 'block' : 'none'
    c.style.transform = `translate(${e.clientX - r.left - size / 2}px, ${e.clientY - r.top - size / 2}px)`
  }

  const paint = (from: Point, to: Point, scale: number): Rect | null => {
    const m = useMaskStore.getState().mask
    if (!m) return null
    const r = paintSegment(m, from, to, (size / 2) * scale, mode === 'brush' ? 255 : 0)
    if (r) draw(r)
    return r
  }

  const onPointerDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (!ready || stroke.current || (e.pointerType === 'mouse' && e.button !== 0)) return
    const at = toImage(e)
    if (!at) return
    e.preventDefault()
    e.currentTarget.setPointerCapture?.(e.pointerId)
    useMaskStore.getState().beginStroke()
    stroke.current = { pointerId: e.pointerId, last: at.p, dirty: paint(at.p, at.p, at.scale) }
  }

  const onPointerMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    moveCursor(e, true)
    const s = stroke.current
    if (!s || s.pointerId !== e.pointerId) return
    // Coalesced events keep a fast pen or finger stroke smooth.
    const events = e.nativeEvent.getCoalescedEvents?.() ?? []
    for (const ev of events.length > 0 ? events : [e]) {
      const at = toImage(ev)
      if (!at) continue
      s.dirty = unionRect(s.dirty, paint(s.last, at.p, at.scale))
      s.last = at.p
    }
  }

  const endStroke = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const s = stroke.current
    if (!s || s.pointerId !== e.pointerId) return
    stroke.current = null
    const before = useMaskStore.getState().revision
    useMaskStore.getState().endStroke(s.dirty)
    const after = useMaskStore.getState().revision
    // The canvas already shows this stroke.
    if (after !== before && drawn.current === before) drawn.current = after
  }

  const uploadMask = async (file: File) => {
    setUploading(true)
    try {
      const read = await readFile(file)
      const path = await api.saveUpload(read.name, read.base64)
      const m = useMaskStore.getState().mask
      let loaded = null
      if (m) {
        try {
          const px = await readPixels(read.dataUrl)
          loaded = maskFromRGBA(px.data, px.width, px.height, m.width, m.height)
        } catch {
          // The file still goes to the engine as it is; only the preview is missing.
          notify.info('The mask file is in use but cannot be shown here')
        }
      }
      useMaskStore.getState().load(loaded, path)
    } catch (e) {
      notify.error(`Could not use the mask: ${errorMessage(e)}`)
    } finally {
      setUploading(false)
    }
  }

  const view = natural ? fitSize(natural.w, natural.h, avail) : null
  const status =
    form.mask === '' ? 'Paint the area to repaint' : source === 'uploaded' ? 'Uploaded mask' : source === 'painted' ? 'Painted mask' : 'Mask from an earlier session'

  return (
    <div className="space-y-2" data-testid="mask-painter" data-mask-state={form.mask ? source : 'none'}>
      <div ref={box} className="flex w-full justify-center">
        <div
          className="dl-checker relative overflow-hidden rounded-lg border"
          style={view ? { width: view.width, height: view.height } : { width: '100%', minHeight: 160 }}
        >
          <img
            src={imageUrl}
            alt="Input image"
            data-testid="init-preview"
            draggable={false}
            onLoad={(e) => setLoaded({ url: imageUrl, w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight })}
            className={cn('pointer-events-none absolute inset-0 size-full select-none', !view && 'invisible')}
          />
          {view && natural && (
            <canvas
              ref={canvas}
              width={natural.w}
              height={natural.h}
              data-testid="mask-canvas"
              aria-label="Mask: paint the area to repaint"
              onPointerDown={onPointerDown}
              onPointerMove={onPointerMove}
              onPointerUp={endStroke}
              onPointerCancel={endStroke}
              onLostPointerCapture={endStroke}
              onPointerEnter={(e) => moveCursor(e, true)}
              onPointerLeave={(e) => moveCursor(e, false)}
              onContextMenu={(e) => e.preventDefault()}
              className={cn('absolute inset-0 size-full touch-none', mode === 'brush' ? 'cursor-crosshair' : 'cursor-cell')}
              style={{ opacity }}
            />
          )}
          <div
            ref={cursor}
            aria-hidden
            className="pointer-events-none absolute top-0 left-0 hidden rounded-full border border-white/90 shadow-[0_0_0_1px_rgba(0,0,0,0.5)]"
            style={{ width: size, height: size }}
          />
          {(!view || uploading) && (
            <div className="absolute inset-0 flex items-center justify-center bg-background/60">
              <Loader2 className="size-5 animate-spin text-muted-foreground" />
            </div>
          )}
        </div>
      </div>

      <div className="flex flex-wrap items-center gap-1" role="toolbar" aria-label="Mask tools">
        <div className="flex rounded-md border p-0.5">
          <Button size="icon-sm" variant={mode === 'brush' ? 'secondary' : 'ghost'} aria-pressed={mode === 'brush'} aria-label="Brush" title="Brush" data-testid="mask-brush" onClick={() => setMode('brush')}>
            <Brush />
          </Button>
          <Button size="icon-sm" variant={mode === 'eraser' ? 'secondary' : 'ghost'} aria-pressed={mode === 'eraser'} aria-label="Eraser" title="Eraser" data-testid="mask-eraser" onClick={() => setMode('eraser')}>
            <Eraser />
          </Button>
        </div>
        <Tip label={`Undo (${isMac ? '⌘' : 'Ctrl'}+Z)`}>
          <span>
            <Button size="icon-sm" variant="ghost" aria-label="Undo" data-testid="mask-undo" disabled={!ready || history.depth === 0} onClick={undo}>
              <Undo2 />
            </Button>
          </span>
        </Tip>
        <Tip label="Invert: repaint everything else">
          <Button size="icon-sm" variant="ghost" aria-label="Invert the mask" data-testid="mask-invert" disabled={!ready} onClick={() => useMaskStore.getState().edit(invertMask)}>
            <FlipHorizontal2 />
          </Button>
        </Tip>
        <Tip label="Clear the mask">
          <Button size="icon-sm" variant="ghost" aria-label="Clear the mask" data-testid="mask-clear" disabled={!ready} onClick={() => useMaskStore.getState().edit(clearMask)}>
            <Trash2 />
          </Button>
        </Tip>
        <Tip label="Upload a mask (white repaints)">
          <Button size="icon-sm" variant="ghost" aria-label="Upload a mask" data-testid="mask-upload" disabled={uploading} onClick={() => fileInput.current?.click()}>
            <Upload />
          </Button>
        </Tip>
        <input
          ref={fileInput}
          type="file"
          accept="image/png,image/jpeg,image/webp"
          className="hidden"
          data-testid="mask-file-input"
          onChange={(e) => {
            const f = firstImage(e.target.files)
            if (f) void uploadMask(f)
            e.target.value = ''
          }}
        />
        <span className="ml-auto flex items-center gap-1.5 text-[11.5px] text-muted-foreground" data-testid="mask-status" data-revision={revision}>
          {saving > 0 && <Loader2 className="size-3 animate-spin" />}
          {status}
        </span>
      </div>

      <div className="grid grid-cols-2 gap-3">
        <label className="flex items-center gap-2 text-[11.5px] text-muted-foreground">
          Brush
          <input
            type="range"
            min={2}
            max={160}
            value={size}
            onChange={(e) => setSize(Number(e.target.value))}
            className="dl-range h-1.5 min-w-0 flex-1"
            style={{ '--dl-range-pct': `${((size - 2) / 158) * 100}%` } as React.CSSProperties}
            aria-label="Brush size"
            data-testid="mask-size"
          />
          <span className="w-8 text-right tabular-nums">{size}</span>
        </label>
        <label className="flex items-center gap-2 text-[11.5px] text-muted-foreground">
          Opacity
          <input
            type="range"
            min={0.1}
            max={1}
            step={0.05}
            value={opacity}
            onChange={(e) => setOpacity(Number(e.target.value))}
            className="dl-range h-1.5 min-w-0 flex-1"
            style={{ '--dl-range-pct': `${((opacity - 0.1) / 0.9) * 100}%` } as React.CSSProperties}
            aria-label="Mask opacity"
            data-testid="mask-opacity"
          />
          <span className="w-8 text-right tabular-nums">{Math.round(opacity * 100)}%</span>
        </label>
      </div>
    </div>
  )
}
