import { ClipboardPaste, ImageUp, Loader2, X } from 'lucide-react'
import { useEffect, useRef, useState } from 'react'
import { Button } from '@/components/ui/button'
import { firstImage, OUTPUT_DRAG_TYPE, type OutputDrag } from '@/lib/files'
import { cn } from '@/lib/utils'
import { useGenerateStore, useGenForm } from '@/stores/generate'
import { Card, FieldLabel, SelectField, SliderField } from './controls'
import { MaskPainter } from './MaskPainter'

const RESIZE_MODES = [
  { id: 'just_resize', label: 'Just resize' },
  { id: 'crop_and_resize', label: 'Crop and resize' },
  { id: 'resize_and_fill', label: 'Resize and fill' },
] as const

/**
 * The Img2Img input: drop a file from the OS, drag a result or gallery image,
 * paste from the clipboard (while this page is open) or browse. On the
 * Inpaint tab the image shows in the mask painter instead (drops still
 * replace it).
 */
export function InitImage() {
  const form = useGenForm('img2img')
  const update = useGenerateStore((s) => s.update)
  const upload = useGenerateStore((s) => s.uploadInitImage)
  const uploading = useGenerateStore((s) => s.uploading)
  const [over, setOver] = useState(false)
  const input = useRef<HTMLInputElement>(null)

  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const f = firstImage(e.clipboardData?.files)
      if (!f) return
      e.preventDefault()
      void upload(f)
    }
    window.addEventListener('paste', onPaste)
    return () => window.removeEventListener('paste', onPaste)
  }, [upload])

  const onDrop = (e: React.DragEvent) => {
    e.preventDefault()
    setOver(false)
    const internal = e.dataTransfer.getData(OUTPUT_DRAG_TYPE)
    if (internal) {
      try {
        const d = JSON.parse(internal) as OutputDrag
        if (d.path) update('img2img', { initImage: d.path, initPreview: d.url })
      } catch {
        // A malformed payload from elsewhere is ignored.
      }
      return
    }
    const f = firstImage(e.dataTransfer.files)
    if (f) void upload(f)
  }

  const has = form.initImage !== ''
  const painting = form.inpaint && has && form.initPreview !== ''
  return (
    <Card className="space-y-3.5">
      <div>
        <FieldLabel
          aside={
            has && (
              <Button variant="ghost" size="sm" className="-my-1 h-6 px-1.5" onClick={() => update('img2img', { initImage: '', initPreview: '' })} aria-label="Remove the image">
                <X />
                Remove
              </Button>
            )
          }
        >
          Image
        </FieldLabel>
        {painting ? (
          <div
            data-testid="init-dropzone"
            data-has-image
            onDragOver={(e) => {
              e.preventDefault()
              e.dataTransfer.dropEffect = 'copy'
            }}
            onDrop={onDrop}
            className="relative"
          >
            <MaskPainter imageUrl={form.initPreview} imagePath={form.initImage} />
            {uploading && (
              <div className="absolute inset-0 flex items-center justify-center bg-background/70">
                <Loader2 className="size-5 animate-spin text-muted-foreground" />
              </div>
            )}
          </div>
        ) : (
          <div
            data-testid="init-dropzone"
            data-has-image={has || undefined}
            role="button"
            tabIndex={0}
            aria-label="Drop an image, paste one, or click to choose a file"
            onClick={() => input.current?.click()}
            onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && input.current?.click()}
            onDragOver={(e) => {
              e.preventDefault()
              e.dataTransfer.dropEffect = 'copy'
              setOver(true)
            }}
            onDragLeave={() => setOver(false)}
            onDrop={onDrop}
            className={cn(
              'group relative flex min-h-40 cursor-default items-center justify-center overflow-hidden rounded-lg border border-dashed border-input bg-background/50 outline-none transition-colors focus-visible:ring-2 focus-visible:ring-ring/50',
              over && 'border-primary bg-primary/8',
              has && 'border-solid',
            )}
          >
            {has && form.initPreview ? (
              <img src={form.initPreview} alt="Input image" data-testid="init-preview" className="max-h-72 w-full object-contain" />
            ) : has ? (
              <div className="px-4 py-8 text-center text-[12px] text-muted-foreground" data-testid="init-preview">
                <span className="font-mono" data-selectable>{form.initImage}</span>
              </div>
            ) : (
              <div className="flex flex-col items-center gap-2 px-4 py-8 text-center">
                <div className="flex size-10 items-center justify-center rounded-xl border bg-panel shadow-xs transition-transform group-hover:scale-105">
                  <ImageUp className="size-5 text-primary" />
                </div>
                <div className="text-[13px] font-medium">Drop an image here</div>
                <div className="flex items-center gap-1 text-[11.5px] text-muted-foreground">
                  or click to browse · <ClipboardPaste className="size-3" /> paste with Ctrl+V
                </div>
              </div>
            )}
            {uploading && (
              <div className="absolute inset-0 flex items-center justify-center bg-background/70">
                <Loader2 className="size-5 animate-spin text-muted-foreground" />
              </div>
            )}
            <input
              ref={input}
              type="file"
              accept="image/png,image/jpeg,image/webp"
              className="hidden"
              data-testid="init-file-input"
              onChange={(e) => {
                const f = firstImage(e.target.files)
                if (f) void upload(f)
                e.target.value = ''
              }}
            />
          </div>
        )}
        {form.inpaint && has && !painting && (
          <p className="mt-2 text-[12px] text-muted-foreground" data-testid="mask-needs-preview">
            Drop the image again to paint a mask on it.
          </p>
        )}
      </div>
      {/* Cloud edits take the image as it is: no denoising or resize settings. */}
      {!form.cloud && (
        <>
        <SliderField label="Denoising strength" value={form.strength} onChange={(strength) => update('img2img', { strength })} min={0} max={1} step={0.01} testId="strength-input" />
        <SelectField label="Resize mode" value={form.resizeMode} onChange={(v) => update('img2img', { resizeMode: v as (typeof RESIZE_MODES)[number]['id'] })} options={RESIZE_MODES} testId="resize-mode" />
        </>
      )}
    </Card>
  )
}
