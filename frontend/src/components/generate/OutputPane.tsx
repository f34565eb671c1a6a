import { AlertCircle, Ban, Brush, Copy, Download, ExternalLink, FolderOpen, ImagePlus, Loader2, Recycle, RotateCcw, Sparkles } from 'lucide-react'
import { useEffect, useState } from 'react'
import { Button } from '@/components/ui/button'
import { Tip } from '@/components/ui/tooltip'
import { api } from '@/lib/api'
import { OUTPUT_DRAG_TYPE } from '@/lib/files'
import { notify } from '@/lib/notify'
import type { Job, JobProgress, OutputItem } from '@/lib/types'
import { cn, errorMessage } from '@/lib/utils'
import { useGalleryStore } from '@/stores/gallery'
import { type GenTab, useGenerateStore } from '@/stores/generate'
import { isLive, progressOf, useJobsStore } from '@/stores/jobs'
import { formatDuration, imageDetails } from '@/components/gallery/details'
import { copyImage } from './clipboard'

/** "Step 3/20 · ETA 12 s", or the stage while no step has run yet. */
export function progressText(p: JobProgress | undefined, state: string): string {
  if (state === 'queued') return 'Queued'
  if (!p || p.total <= 0) return p?.message || 'Starting…'
  const eta = p.etaSeconds !== undefined && p.etaSeconds > 0 ? ` · ETA ${Math.max(1, Math.round(p.etaSeconds))} s` : ''
  return `Step ${p.step}/${p.total}${eta}`
}

function ProgressBar({ job, p }: { job: Job; p: JobProgress | undefined }) {
  const pct = p && p.total > 0 ? Math.min(100, (p.step / p.total) * 100) : 0
  return (
    <div className="w-full">
      <div className="mb-1.5 flex items-center justify-between gap-3 text-[12px]">
        <span data-testid="progress-text" className="font-medium tabular-nums">
          {progressText(p, job.state)}
        </span>
        {p?.message && <span className="truncate text-muted-foreground">{p.message}</span>}
      </div>
      <div className="h-1.5 overflow-hidden rounded-full bg-muted" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
        <div
          className={cn('h-full rounded-full bg-gradient-to-r from-violet-500 via-fuchsia-500 to-orange-400 transition-[width] duration-300', pct === 0 && 'w-1/4 animate-pulse')}
          style={pct > 0 ? { width: `${pct}%` } : undefined}
        />
      </div>
    </div>
  )
}

/** Save as…: the native dialog picks where a byte-exact copy (metadata included) goes. */
export async function saveResultAs(item: OutputItem): Promise<void> {
  try {
    const path = await api.saveOutputAs(item.id)
    if (path) notify.success(`Saved ${path}`)
  } catch (e) {
    notify.error(`Could not save the image: ${errorMessage(e)}`)
  }
}

/** Copy: the image itself where the webview allows, else its path; a toast says which. */
export async function copyResult(item: OutputItem): Promise<void> {
  try {
    const what = await copyImage(item.url, item.path)
    if (what === 'image') notify.success('Image copied to the clipboard')
    else notify.success(`Copied the file path: ${item.path}`)
  } catch (e) {
    notify.error(`Could not copy: ${errorMessage(e)}`)
  }
}

function Actions({ job, item }: { job: Job; item: OutputItem | undefined }) {
  const open = useGalleryStore((s) => s.open)
  const reveal = useGalleryStore((s) => s.reveal)
  const reuse = useGenerateStore((s) => s.reuse)
  const reuseSeed = useGenerateStore((s) => s.reuseSeed)
  const sendToImg2Img = useGenerateStore((s) => s.sendToImg2Img)
  const update = useGenerateStore((s) => s.update)
  const seed = item?.seed ?? job.outputs?.[0]?.seed
  const sendTo = (inpaint: boolean) => {
    if (!item) return
    sendToImg2Img(item.path, item.url)
    update('img2img', { inpaint })
  }
  return (
    <div className="flex flex-wrap items-center gap-1.5" data-testid="result-actions">
      <Button size="sm" variant="secondary" disabled={!item} onClick={() => item && void saveResultAs(item)} data-testid="result-save-as">
        <Download />
        Save as…
      </Button>
      <Button size="sm" variant="secondary" disabled={!item} onClick={() => item && void copyResult(item)} data-testid="result-copy">
        <Copy />
        Copy
      </Button>
      <Button size="sm" variant="secondary" disabled={!item} onClick={() => item && void open(item.id)} data-testid="result-open">
        <ExternalLink />
        Open
      </Button>
      <Button size="sm" variant="secondary" disabled={!item} onClick={() => item && void reveal(item.id)} data-testid="result-reveal">
        <FolderOpen />
        Show in folder
      </Button>
      <Button size="sm" variant="secondary" disabled={!item} onClick={() => sendTo(false)} data-testid="result-to-img2img">
        <ImagePlus />
        Send to Img2Img
      </Button>
      <Button size="sm" variant="secondary" disabled={!item} onClick={() => sendTo(true)} data-testid="result-to-inpaint">
        <Brush />
        Send to Inpaint
      </Button>
      <div className="ml-auto flex items-center gap-1">
        <Tip label="Put these parameters back into the form">
          <Button size="sm" variant="ghost" onClick={() => reuse(job)} data-testid="result-reuse">
            <RotateCcw />
            Reuse parameters
          </Button>
        </Tip>
        <Tip label={seed !== undefined ? `Use seed ${seed}` : 'No seed'}>
          <span>
            <Button size="sm" variant="ghost" disabled={seed === undefined} onClick={() => seed !== undefined && reuseSeed(seed)} data-testid="result-reuse-seed">
              <Recycle />
              Seed
            </Button>
          </span>
        </Tip>
      </div>
    </div>
  )
}

/** resultSummary is the one-line infotext under a result: model, size, sampler, steps, CFG, seed, time. */
export function resultSummary(item: OutputItem): string {
  const d = imageDetails(item)
  const parts = [
    d.model,
    d.width && d.height ? `${d.width}×${d.height}` : '',
    d.sampler,
    d.steps !== undefined ? `${d.steps} steps` : '',
    d.cfgScale !== undefined ? `CFG ${d.cfgScale}` : '',
    `seed ${d.seed}`,
    formatDuration(d.durationS),
  ]
  return parts.filter(Boolean).join(' · ')
}

function Stage({ children, plain }: { children: React.ReactNode; plain?: boolean }) {
  return (
    <div
      className={cn(
        'relative flex min-h-0 flex-1 items-center justify-center overflow-hidden rounded-xl border p-4',
        plain ? 'bg-[radial-gradient(ellipse_at_center,color-mix(in_oklch,var(--color-primary)_7%,transparent),transparent_70%)]' : 'dl-checker',
      )}
    >
      {children}
    </div>
  )
}

export function OutputPane({ tab }: { tab: GenTab }) {
  const jobId = useGenerateStore((s) => s.jobIds[tab])
  const job = useJobsStore((s) => s.jobs.find((j) => j.id === jobId))
  const progress = useJobsStore((s) => progressOf(s, job))
  const results = useGenerateStore((s) => (jobId ? s.results[jobId] : undefined))
  const loadResults = useGenerateStore((s) => s.loadResults)
  const [selected, setSelected] = useState(0)

  useEffect(() => {
    if (job?.state === 'done') void loadResults(job)
  }, [job, loadResults])
  useEffect(() => setSelected(0), [jobId])

  if (!job) {
    return (
      <Stage plain>
        <div className="flex max-w-xs flex-col items-center text-center" data-testid="output-empty">
          <div className="relative mb-4">
            <div className="absolute inset-0 -z-10 scale-150 rounded-full bg-primary/20 blur-2xl" />
            <div className="flex size-14 items-center justify-center rounded-2xl border bg-panel shadow-sm">
              <Sparkles className="size-6 text-primary" strokeWidth={1.75} />
            </div>
          </div>
          <h3 className="text-[15px] font-semibold">Nothing generated yet</h3>
          <p className="mt-1.5 text-[13px] leading-relaxed text-muted-foreground">
            Write a prompt and press <kbd className="rounded border bg-muted px-1 font-mono text-[11px]">Ctrl</kbd>+
            <kbd className="rounded border bg-muted px-1 font-mono text-[11px]">Enter</kbd>. Each step appears here as it is made.
          </p>
        </div>
      </Stage>
    )
  }

  const live = isLive(job.state)
  const items = results ?? []
  const current = items[Math.min(selected, Math.max(0, items.length - 1))]
  const expected = job.outputs?.length ?? 0

  return (
    <div className="flex min-h-0 flex-1 flex-col gap-3" data-testid="output-pane" data-job-state={job.state}>
      <Stage>
        {job.state === 'done' && current ? (
          <img
            src={current.url}
            alt={current.prompt || 'Generated image'}
            data-testid="result-image"
            data-output-id={current.id}
            draggable
            onDragStart={(e) => e.dataTransfer.setData(OUTPUT_DRAG_TYPE, JSON.stringify({ path: current.path, url: current.url }))}
            className="size-full object-contain drop-shadow-2xl animate-fade-in"
          />
        ) : progress?.preview ? (
          <img
            src={progress.preview}
            alt="Live preview"
            data-testid="live-preview"
            className={cn('size-full object-contain transition-opacity', !live && 'opacity-50 grayscale')}
          />
        ) : live ? (
          <div className="flex flex-col items-center gap-2 text-muted-foreground">
            <Loader2 className="size-6 animate-spin" />
            <span className="text-[12.5px]">{progress?.message || (job.state === 'queued' ? 'Waiting in the queue' : 'Starting…')}</span>
          </div>
        ) : job.state === 'done' ? (
          <Loader2 className="size-6 animate-spin text-muted-foreground" />
        ) : null}
        {(job.state === 'failed' || job.state === 'cancelled') && (
          <div className="absolute inset-x-6 bottom-6 flex items-start gap-2.5 rounded-lg border bg-popover/95 p-3 text-[13px] shadow-xl backdrop-blur" data-testid="job-ended">
            {job.state === 'failed' ? <AlertCircle className="mt-0.5 size-4 shrink-0 text-destructive" /> : <Ban className="mt-0.5 size-4 shrink-0 text-muted-foreground" />}
            <div className="min-w-0">
              <div className="font-medium">{job.state === 'failed' ? 'Generation failed' : 'Interrupted'}</div>
              {job.error && <div className="mt-0.5 break-words text-muted-foreground" data-selectable>{job.error}</div>}
            </div>
          </div>
        )}
      </Stage>
      {live && <ProgressBar job={job} p={progress} />}
      {job.state === 'done' && (
        <>
          {expected > 1 && (
            <div className="flex gap-2 overflow-x-auto pb-1" data-testid="results-strip">
              {items.map((it, i) => (
                <button
                  key={it.id}
                  type="button"
                  onClick={() => setSelected(i)}
                  draggable
                  onDragStart={(e) => e.dataTransfer.setData(OUTPUT_DRAG_TYPE, JSON.stringify({ path: it.path, url: it.url }))}
                  className={cn('size-16 shrink-0 overflow-hidden rounded-lg border-2 border-transparent', i === selected && 'border-primary')}
                >
                  <img src={it.thumbUrl || it.url} alt="" className="size-full object-cover" />
                </button>
              ))}
            </div>
          )}
          {current && (
            <p className="truncate text-[12px] tabular-nums text-muted-foreground" title={current.prompt} data-testid="result-info" data-selectable>
              {resultSummary(current)}
            </p>
          )}
          <Actions job={job} item={current} />
        </>
      )}
    </div>
  )
}
