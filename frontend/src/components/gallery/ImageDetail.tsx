import { ChevronLeft, ChevronRight, ExternalLink, FolderOpen, ImageOff, ImagePlus, Trash2, Wand2 } from 'lucide-react'
import { useEffect } from 'react'
import { CopyButton } from '@/components/CopyButton'
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogTitle,
  AlertDialogTrigger,
} from '@/components/ui/alert-dialog'
import { Button } from '@/components/ui/button'
import { Dialog, DialogContent, DialogDescription, DialogTitle } from '@/components/ui/dialog'
import { goTo } from '@/hooks/useHashRoute'
import type { OutputItem } from '@/lib/types'
import { formatDate } from '@/lib/utils'
import { useGalleryStore } from '@/stores/gallery'
import { useGenerateStore } from '@/stores/generate'
import { formatDuration, imageDetails, toPNGParameters } from './details'

function Detail({ label, value, copy, wide }: { label: string; value: string; copy?: boolean; wide?: boolean }) {
  return (
    <div className={wide ? 'col-span-2 min-w-0' : 'min-w-0'} data-testid={`detail-${label.toLowerCase().replace(/\W+/g, '-')}`}>
      <dt className="text-[11px] font-medium uppercase tracking-wide text-muted-foreground">{label}</dt>
      <dd className="mt-0.5 flex min-w-0 items-center gap-1 text-[13px]">
        <span className="truncate" data-selectable title={value}>
          {value || '—'}
        </span>
        {copy && value && <CopyButton value={value} label={`Copy ${label.toLowerCase()}`} />}
      </dd>
    </div>
  )
}

/**
 * The gallery's large view of one image with every recorded parameter.
 * Left/right arrows move between images, Esc closes (the dialog's own).
 */
export function ImageDetail({
  item,
  onClose,
  onPrev,
  onNext,
}: {
  item: OutputItem | null
  onClose: () => void
  onPrev?: () => void
  onNext?: () => void
}) {
  const open = useGalleryStore((s) => s.open)
  const reveal = useGalleryStore((s) => s.reveal)
  const remove = useGalleryStore((s) => s.remove)

  useEffect(() => {
    if (!item) return
    const onKey = (e: KeyboardEvent) => {
      // Arrows typed into a field (none today, but a rename box may come) stay there.
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return
      if (e.key === 'ArrowLeft' && onPrev) onPrev()
      if (e.key === 'ArrowRight' && onNext) onNext()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [item, onPrev, onNext])

  const d = item ? imageDetails(item) : null

  return (
    <Dialog open={item !== null} onOpenChange={(o) => !o && onClose()}>
      <DialogContent className="flex h-[min(86vh,860px)] max-w-[min(94vw,1280px)] overflow-hidden p-0" data-testid="gallery-lightbox">
        {item && d && (
          <>
            <div className="relative flex min-w-0 flex-1 items-center justify-center bg-black/90">
              {item.exists ? (
                <img src={item.url} alt={item.prompt || 'Generated image'} className="max-h-full max-w-full object-contain" data-testid="detail-image" />
              ) : (
                <div className="flex flex-col items-center gap-2 text-white/60">
                  <ImageOff className="size-8" />
                  <span className="text-[13px]">The file is no longer on disk</span>
                </div>
              )}
              {onPrev && (
                <Button variant="ghost" size="icon" aria-label="Previous image" onClick={onPrev} className="absolute top-1/2 left-3 -translate-y-1/2 bg-black/40 text-white hover:bg-black/60 hover:text-white">
                  <ChevronLeft />
                </Button>
              )}
              {onNext && (
                <Button variant="ghost" size="icon" aria-label="Next image" onClick={onNext} className="absolute top-1/2 right-3 -translate-y-1/2 bg-black/40 text-white hover:bg-black/60 hover:text-white">
                  <ChevronRight />
                </Button>
              )}
            </div>
            <aside className="flex w-96 shrink-0 flex-col border-l bg-popover">
              <div className="border-b px-5 pt-4 pb-3">
                <DialogTitle>Image details</DialogTitle>
                <DialogDescription className="mt-0.5">{formatDate(item.createdAt)}</DialogDescription>
              </div>
              <div className="flex-1 space-y-4 overflow-y-auto px-5 py-4">
                <div>
                  <div className="flex items-center justify-between">
                    <span className="text-[11px] font-medium uppercase tracking-wide text-muted-foreground">Prompt</span>
                    {item.prompt && <CopyButton value={item.prompt} label="Copy prompt" />}
                  </div>
                  <p className="mt-1 text-[13px] leading-relaxed whitespace-pre-wrap" data-selectable data-testid="detail-prompt">
                    {item.prompt || <span className="text-muted-foreground">No prompt</span>}
                  </p>
                </div>
                {item.negativePrompt && (
                  <div>
                    <div className="flex items-center justify-between">
                      <span className="text-[11px] font-medium uppercase tracking-wide text-muted-foreground">Negative prompt</span>
                      <CopyButton value={item.negativePrompt} label="Copy negative prompt" />
                    </div>
                    <p className="mt-1 text-[13px] leading-relaxed whitespace-pre-wrap text-muted-foreground" data-selectable>
                      {item.negativePrompt}
                    </p>
                  </div>
                )}
                <dl className="grid grid-cols-2 gap-x-4 gap-y-3 rounded-lg border bg-panel p-3" data-testid="detail-params">
                  <Detail label="Model" value={d.model} wide />
                  <Detail label="Provider" value={d.provider} />
                  <Detail label="Seed" value={String(d.seed)} copy />
                  <Detail label="Sampler" value={d.sampler} />
                  <Detail label="Schedule" value={d.schedule} />
                  <Detail label="Steps" value={d.steps !== undefined ? String(d.steps) : ''} />
                  <Detail label="CFG scale" value={d.cfgScale !== undefined ? String(d.cfgScale) : ''} />
                  <Detail label="Size" value={d.width && d.height ? `${d.width} × ${d.height}` : ''} />
                  {d.clipSkip !== undefined && d.clipSkip > 1 && <Detail label="Clip skip" value={String(d.clipSkip)} />}
                  <Detail label="Duration" value={formatDuration(d.durationS)} />
                  <Detail label="File" value={d.path} copy wide />
                </dl>
              </div>
              <div className="flex flex-wrap items-center gap-2 border-t px-5 py-3">
                <Button
                  size="sm"
                  data-testid="gallery-to-txt2img"
                  onClick={() => {
                    useGenerateStore.getState().applyParameters(toPNGParameters(d))
                    onClose()
                    goTo('generate')
                  }}
                >
                  <Wand2 />
                  Send to Txt2Img
                </Button>
                <Button
                  variant="secondary"
                  size="sm"
                  disabled={!item.exists}
                  data-testid="gallery-to-img2img"
                  onClick={() => {
                    useGenerateStore.getState().sendToImg2Img(item.path, item.url)
                    onClose()
                    goTo('generate')
                  }}
                >
                  <ImagePlus />
                  Img2Img
                </Button>
                <Button variant="secondary" size="sm" onClick={() => void reveal(item.id)} disabled={!item.exists} data-testid="gallery-reveal">
                  <FolderOpen />
                  Show in folder
                </Button>
                <Button variant="ghost" size="icon-sm" aria-label="Open in viewer" title="Open in viewer" onClick={() => void open(item.id)} disabled={!item.exists}>
                  <ExternalLink />
                </Button>
                <AlertDialog>
                  <AlertDialogTrigger asChild>
                    <Button variant="ghost" size="icon-sm" aria-label="Delete image" title="Delete" className="ml-auto text-destructive hover:bg-destructive/10 hover:text-destructive">
                      <Trash2 />
                    </Button>
                  </AlertDialogTrigger>
                  <AlertDialogContent>
                    <AlertDialogTitle>Delete this image?</AlertDialogTitle>
                    <AlertDialogDescription>
                      The file is removed from your output folder and from the gallery. This cannot be undone.
                    </AlertDialogDescription>
                    <AlertDialogFooter>
                      <AlertDialogCancel>Cancel</AlertDialogCancel>
                      <AlertDialogAction
                        onClick={() => {
                          void remove(item.id).then((ok) => ok && onClose())
                        }}
                      >
                        Delete
                      </AlertDialogAction>
                    </AlertDialogFooter>
                  </AlertDialogContent>
                </AlertDialog>
              </div>
            </aside>
          </>
        )}
      </DialogContent>
    </Dialog>
  )
}
