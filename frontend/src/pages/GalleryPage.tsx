import { ImageIcon, ImageOff, Loader2, Search } from 'lucide-react'
import { useCallback, useEffect, useRef, useState } from 'react'
import { EmptyState } from '@/components/EmptyState'
import { GalleryFilters } from '@/components/gallery/GalleryFilters'
import { ImageDetail } from '@/components/gallery/ImageDetail'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Skeleton } from '@/components/ui/skeleton'
import { useDebounced } from '@/hooks/useDebounced'
import { OUTPUT_DRAG_TYPE } from '@/lib/files'
import type { OutputItem } from '@/lib/types'
import { useGalleryStore } from '@/stores/gallery'

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
  const filters = useGalleryStore((s) => s.filters)
  const facets = useGalleryStore((s) => s.facets)
  const setFilters = useGalleryStore((s) => s.setFilters)
  const loadFacets = useGalleryStore((s) => s.loadFacets)
  const filtered = filters.model !== '' || filters.provider !== '' || filters.sinceMs !== 0 || filters.untilMs !== 0

  const [input, setInput] = useState(activeQuery)
  const query = useDebounced(input.trim(), SEARCH_DELAY_MS)
  const [openId, setOpenId] = useState<string | null>(null)

  useEffect(() => {
    void search(query)
  }, [query, search])

  useEffect(() => {
    void loadFacets()
  }, [loadFacets])

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
      <div className="flex flex-wrap items-center gap-3">
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
        <GalleryFilters facets={facets} filters={filters} onChange={(patch) => void setFilters(patch)} />
        {loaded && total > 0 && (
          <span className="ml-auto text-[12px] tabular-nums text-muted-foreground" data-testid="gallery-total">
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
        activeQuery || filtered ? (
          <EmptyState icon={Search} title="No images match" className="rounded-lg border border-dashed">
            {activeQuery ? <>Nothing matches “{activeQuery}”{filtered ? ' with these filters' : ''}. </> : 'No image matches these filters. '}
            Try a word from the prompt, a model name or a seed, or clear the filters.
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

      <ImageDetail
        item={current}
        onClose={() => setOpenId(null)}
        onPrev={prev ? onPrev : undefined}
        onNext={next ? onNext : undefined}
      />
    </div>
  )
}
