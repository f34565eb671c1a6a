import { ChevronLeft, ChevronRight, ExternalLink, FolderOpen, ImageIcon, ImageOff, ImagePlus, Loader2, Search, Trash2 } from 'lucide-react'
import { useCallback, useEffect, useRef, useState } from 'react'
import { CopyButton } from '@/components/CopyButton'
import { EmptyState } from '@/components/EmptyState'
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
import { Input } from '@/components/ui/input'
import { Skeleton } from '@/components/ui/skeleton'
import { useDebounced } from '@/hooks/useDebounced'
import type { OutputItem } from '@/lib/types'
import { formatDate } from '@/lib/utils'
import { goTo } from '@/hooks/useHashRoute'
import { OUTPUT_DRAG_TYPE } from '@/lib/files'
import { useGalleryStore } from '@/stores/gallery'
import { useGenerateStore } from '@/stores/generate'

const SEARCH_DELAY_MS = 250

function Thumb({ item, onOpen }: { item: OutputItem; onOpen: () => void }) {
  const [failed, setFailed] = useState(false)
  return (
    <button
      type="button"
      onClick={onOpen}
      data-testid="gallery-item"
      data-output-id={item.id}
      draggable={item.exists}
      onDragStart={(e) => e.dataTransfer.setData(OUTPUT_DRAG_TYPE, JSON.stringify({ path: item.path, url: item.url }))}
      className="group relative aspect-square overflow-hidden rounded-lg border bg-muted outline-none focus-visible:ring-2 focus-visible:ring-ring"
    >
      {item.exists && !failed ? (
        <img
          src={item.thumbUrl || item.url}
          alt={item.prompt || 'Generated image'}
          loading="lazy"
          decoding="async"
          onError={() => setFailed(true)}
          className="size-full object-cover transition-transform duration-300 group-hover:scale-[1.03]"
        />
      ) : (
        <div className="flex size-full flex-col items-center justify-center gap-1.5 text-muted-foreground">
          <ImageOff className="size-6" />
          <span className="text-[11px]">File missing</span>
        </div>
      )}
      <div className="pointer-events-none absolute inset-x-0 bottom-0 translate-y-1 bg-gradient-to-t from-black/80 via-black/40 to-transparent px-2.5 pt-8 pb-2 text-left opacity-0 transition-all group-hover:translate-y-0 group-hover:opacity-100 group-focus-visible:opacity-100">
        <p className="line-clamp-2 text-[11.5px] leading-snug text-white/95">{item.prompt || 'No prompt'}</p>
        <p className="mt-0.5 text-[10.5px] text-white/60">
          {item.width}×{item.height} · {item.model || item.provider}
        </p>
      </div>
    </button>
  )
}

function Detail({ label, value, copy }: { label: string; value: string; copy?: boolean }) {
  return (
    <div className="min-w-0">
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

function Lightbox({
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
      if (e.key === 'ArrowLeft' && onPrev) onPrev()
      if (e.key === 'ArrowRight' && onNext) onNext()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [item, onPrev, onNext])

  return (
    <Dialog open={item !== null} onOpenChange={(o) => !o && onClose()}>
      <DialogContent className="flex h-[min(86vh,860px)] max-w-[min(94vw,1280px)] overflow-hidden p-0" data-testid="gallery-lightbox">
        {item && (
          <>
            <div className="relative flex min-w-0 flex-1 items-center justify-center bg-black/90">
              {item.exists ? (
                <img src={item.url} alt={item.prompt || 'Generated image'} className="max-h-full max-w-full object-contain" />
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
            <aside className="flex w-80 shrink-0 flex-col border-l bg-popover">
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
                  <p className="mt-1 text-[13px] leading-relaxed whitespace-pre-wrap" data-selectable>
                    {item.prompt || <span className="text-muted-foreground">No prompt</span>}
                  </p>
                </div>
                {item.negativePrompt && (
                  <div>
                    <span className="text-[11px] font-medium uppercase tracking-wide text-muted-foreground">Negative prompt</span>
                    <p className="mt-1 text-[13px] leading-relaxed whitespace-pre-wrap text-muted-foreground" data-selectable>
                      {item.negativePrompt}
                    </p>
                  </div>
                )}
                <dl className="grid grid-cols-2 gap-x-4 gap-y-3 rounded-lg border bg-panel p-3">
                  <Detail label="Seed" value={String(item.seed)} copy />
                  <Detail label="Size" value={`${item.width} × ${item.height}`} />
                  <div className="col-span-2">
                    <Detail label="Model" value={item.model} />
                  </div>
                  <Detail label="Provider" value={item.provider} />
                </dl>
              </div>
              <div className="flex items-center gap-2 border-t px-5 py-3">
                <Button variant="secondary" size="sm" onClick={() => void open(item.id)} disabled={!item.exists}>
                  <ExternalLink />
                  Open
                </Button>
                <Button variant="secondary" size="sm" onClick={() => void reveal(item.id)} disabled={!item.exists}>
                  <FolderOpen />
                  Show in folder
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
                  Send to Img2Img
                </Button>
                <AlertDialog>
                  <AlertDialogTrigger asChild>
                    <Button variant="ghost" size="sm" className="ml-auto text-destructive hover:bg-destructive/10 hover:text-destructive">
                      <Trash2 />
                      Delete
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

function GridSkeleton() {
  return (
    <div className="grid grid-cols-[repeat(auto-fill,minmax(180px,1fr))] gap-3" aria-label="Loading images">
      {Array.from({ length: 12 }, (_, i) => (
        <Skeleton key={i} className="aspect-square rounded-lg" />
      ))}
    </div>
  )
}

export function GalleryPage() {
  const items = useGalleryStore((s) => s.items)
  const total = useGalleryStore((s) => s.total)
  const loaded = useGalleryStore((s) => s.loaded)
  const loading = useGalleryStore((s) => s.loading)
  const loadingMore = useGalleryStore((s) => s.loadingMore)
  const error = useGalleryStore((s) => s.error)
  const search = useGalleryStore((s) => s.search)
  const loadMore = useGalleryStore((s) => s.loadMore)
  const activeQuery = useGalleryStore((s) => s.query)

  const [input, setInput] = useState(activeQuery)
  const query = useDebounced(input.trim(), SEARCH_DELAY_MS)
  const [openId, setOpenId] = useState<string | null>(null)

  useEffect(() => {
    void search(query)
  }, [query, search])

  // Load the next page when the sentinel under the grid scrolls into view.
  const sentinel = useRef<HTMLDivElement>(null)
  const hasMore = items.length < total
  useEffect(() => {
    const el = sentinel.current
    if (!el || !hasMore || typeof IntersectionObserver === 'undefined') return
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && void loadMore(), {
      rootMargin: '600px',
    })
    io.observe(el)
    return () => io.disconnect()
  }, [hasMore, loadMore, items.length])

  const index = openId === null ? -1 : items.findIndex((i) => i.id === openId)
  const current = index >= 0 ? (items[index] ?? null) : null
  const prev = index > 0 ? items[index - 1] : undefined
  const next = index >= 0 ? items[index + 1] : undefined
  const onPrev = useCallback(() => prev && setOpenId(prev.id), [prev])
  const onNext = useCallback(() => next && setOpenId(next.id), [next])

  return (
    <div data-testid="page-gallery" className="flex flex-col gap-4 px-6 py-5">
      <div className="flex items-center gap-3">
        <div className="relative w-80">
          <Search className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground" />
          <Input
            type="search"
            aria-label="Search images"
            placeholder="Search prompts, models, seeds"
            value={input}
            onChange={(e) => setInput(e.target.value)}
            className="pl-8"
          />
          {loading && loaded && <Loader2 className="absolute top-1/2 right-2.5 size-4 -translate-y-1/2 animate-spin text-muted-foreground" />}
        </div>
        {loaded && total > 0 && (
          <span className="text-[12px] tabular-nums text-muted-foreground">
            {total} {total === 1 ? 'image' : 'images'}
          </span>
        )}
      </div>

      {error && (
        <div role="alert" className="rounded-lg border border-destructive/30 bg-destructive/10 px-3 py-2 text-[13px] text-destructive">
          Could not load the gallery: {error}
        </div>
      )}

      {!loaded ? (
        <GridSkeleton />
      ) : items.length === 0 && !error ? (
        activeQuery ? (
          <EmptyState icon={Search} title="No images match" className="rounded-lg border border-dashed">
            Nothing matches “{activeQuery}”. Try a word from the prompt, a model name or a seed.
          </EmptyState>
        ) : (
          <EmptyState icon={ImageIcon} title="No images yet" data-testid="gallery-empty" className="rounded-lg border border-dashed py-24">
            Generated images appear here, with their prompt, seed and model, ready to open, reuse or share.
          </EmptyState>
        )
      ) : (
        <>
          <div className="grid grid-cols-[repeat(auto-fill,minmax(180px,1fr))] gap-3">
            {items.map((item) => (
              <Thumb key={item.id} item={item} onOpen={() => setOpenId(item.id)} />
            ))}
          </div>
          <div ref={sentinel} className="flex justify-center py-2">
            {hasMore && (
              <Button variant="ghost" size="sm" onClick={() => void loadMore()} disabled={loadingMore}>
                {loadingMore && <Loader2 className="animate-spin" />}
                {loadingMore ? 'Loading…' : `Load more (${total - items.length} left)`}
              </Button>
            )}
          </div>
        </>
      )}

      <Lightbox
        item={current}
        onClose={() => setOpenId(null)}
        onPrev={prev ? onPrev : undefined}
        onNext={next ? onNext : undefined}
      />
    </div>
  )
}
