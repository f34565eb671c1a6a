import * as DialogPrimitive from '@radix-ui/react-dialog'
import { ArrowDown, ArrowUp, Ban, CheckCircle2, CircleDashed, ListTodo, Loader2, Trash2, X, XCircle } from 'lucide-react'
import { Badge, type BadgeTone } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Tip } from '@/components/ui/tooltip'
import type { Job, JobState } from '@/lib/types'
import { cn } from '@/lib/utils'
import { activeCount, isLive, lanePlace, progressOf, queuedInOrder, useJobsStore } from '@/stores/jobs'
import { progressText } from './generate/OutputPane'

const STATE: Record<JobState, { label: string; tone: BadgeTone; icon: typeof Loader2 }> = {
  queued: { label: 'Queued', tone: 'neutral', icon: CircleDashed },
  running: { label: 'Running', tone: 'primary', icon: Loader2 },
  done: { label: 'Done', tone: 'success', icon: CheckCircle2 },
  failed: { label: 'Failed', tone: 'danger', icon: XCircle },
  cancelled: { label: 'Cancelled', tone: 'neutral', icon: Ban },
}

function duration(job: Job): string {
  if (!job.startedAt || !job.finishedAt) return ''
  const s = (new Date(job.finishedAt).getTime() - new Date(job.startedAt).getTime()) / 1000
  return Number.isFinite(s) && s >= 0 ? `${s < 10 ? s.toFixed(1) : Math.round(s)} s` : ''
}

/** Up and down arrows for a queued job: one place within its provider's queue. */
function MoveButtons({ job }: { job: Job }) {
  const move = useJobsStore((s) => s.move)
  const index = useJobsStore((s) => lanePlace(s.jobs, job).index)
  const count = useJobsStore((s) => lanePlace(s.jobs, job).count)
  if (index < 0 || count < 2) return null
  return (
    <>
      <Tip label="Start earlier">
        <Button variant="ghost" size="icon-sm" className="-my-1 size-6" disabled={index === 0} onClick={() => void move(job.id, index - 1)} aria-label="Move up" data-testid="queue-move-up">
          <ArrowUp />
        </Button>
      </Tip>
      <Tip label="Start later">
        <Button variant="ghost" size="icon-sm" className="-my-1 size-6" disabled={index === count - 1} onClick={() => void move(job.id, index + 1)} aria-label="Move down" data-testid="queue-move-down">
          <ArrowDown />
        </Button>
      </Tip>
    </>
  )
}

function JobRow({ job }: { job: Job }) {
  const p = useJobsStore((s) => progressOf(s, job))
  const cancel = useJobsStore((s) => s.cancel)
  const st = STATE[job.state] ?? STATE.queued
  const Icon = st.icon
  const live = isLive(job.state)
  const pct = p && p.total > 0 ? (p.step / p.total) * 100 : 0
  const r = job.request
  return (
    <li className="flex gap-3 rounded-lg border bg-panel p-2.5" data-testid="queue-job" data-job-id={job.id} data-state={job.state}>
      <div className="dl-checker flex size-12 shrink-0 items-center justify-center overflow-hidden rounded-md border">
        {p?.preview ? <img src={p.preview} alt="" className="size-full object-cover" /> : <Icon className={cn('size-4 text-muted-foreground', job.state === 'running' && 'animate-spin')} />}
      </div>
      <div className="min-w-0 flex-1">
        <div className="flex items-center gap-2">
          <Badge tone={st.tone}>{st.label}</Badge>
          <span className="truncate text-[11px] text-muted-foreground">
            {r?.mode ?? ''}
            {r?.provider && r.provider !== 'local' ? ` · ${r.provider}` : ''}
            {duration(job) && ` · ${duration(job)}`}
          </span>
          {live && (
            <div className="-my-1 ml-auto flex items-center">
              {job.state === 'queued' && <MoveButtons job={job} />}
              <Tip label="Cancel">
                <Button variant="ghost" size="icon-sm" className="-my-1 size-6" onClick={() => void cancel(job.id)} aria-label="Cancel job" data-testid="queue-cancel">
                  <X />
                </Button>
              </Tip>
            </div>
          )}
        </div>
        <p className="mt-1 truncate text-[12.5px]" title={r?.prompt}>
          {r?.prompt || <span className="text-muted-foreground">No prompt</span>}
        </p>
        {live && (
          <div className="mt-1.5">
            <div className="h-1 overflow-hidden rounded-full bg-muted">
              <div className="h-full rounded-full bg-primary transition-[width]" style={{ width: `${pct}%` }} />
            </div>
            <div className="mt-1 text-[11px] tabular-nums text-muted-foreground">{progressText(p, job.state)}</div>
          </div>
        )}
        {job.state === 'failed' && job.error && <p className="mt-1 line-clamp-2 text-[11.5px] text-destructive">{job.error}</p>}
      </div>
    </li>
  )
}

/** The queue toggle for the top bar: a badge counts jobs not yet finished. */
export function QueueButton({ onClick }: { onClick: () => void }) {
  const active = useJobsStore((s) => activeCount(s.jobs))
  return (
    <Tip label="Queue">
      <Button variant="ghost" size="icon" onClick={onClick} aria-label="Queue" data-testid="queue-toggle" className="relative">
        <ListTodo />
        {active > 0 && (
          <span data-testid="queue-badge" className="absolute -top-0.5 -right-0.5 flex h-4 min-w-4 items-center justify-center rounded-full bg-primary px-1 text-[10px] font-semibold text-primary-foreground tabular-nums">
            {active}
          </span>
        )}
      </Button>
    </Tip>
  )
}

export function QueuePanel({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const jobs = useJobsStore((s) => s.jobs)
  const clearFinished = useJobsStore((s) => s.clearFinished)
  const live = jobs.filter((j) => isLive(j.state))
  // Running first, then queued in the order they will start; finished newest first.
  const ordered = [...live.filter((j) => j.state === 'running'), ...queuedInOrder(live)]
  const finished = jobs.filter((j) => !isLive(j.state)).reverse()
  return (
    <DialogPrimitive.Root open={open} onOpenChange={onOpenChange}>
      <DialogPrimitive.Portal>
        <DialogPrimitive.Overlay className="fixed inset-0 z-40 bg-black/30 data-[state=open]:animate-fade-in" />
        <DialogPrimitive.Content
          data-testid="queue-panel"
          className="fixed top-0 right-0 z-50 flex h-full w-[380px] max-w-[92vw] flex-col border-l bg-popover text-popover-foreground shadow-2xl outline-none data-[state=open]:animate-fade-in"
        >
          <div className="flex h-12 shrink-0 items-center gap-2 border-b px-4">
            <DialogPrimitive.Title className="text-[14px] font-semibold">Queue</DialogPrimitive.Title>
            <DialogPrimitive.Description className="text-[12px] text-muted-foreground">
              {live.length} active · {finished.length} finished
            </DialogPrimitive.Description>
            <Button variant="ghost" size="sm" className="ml-auto" disabled={finished.length === 0} onClick={() => void clearFinished()} data-testid="queue-clear">
              <Trash2 />
              Clear finished
            </Button>
            <DialogPrimitive.Close className="rounded-md p-1 text-muted-foreground hover:bg-accent hover:text-foreground" aria-label="Close">
              <X className="size-4" />
            </DialogPrimitive.Close>
          </div>
          <div className="min-h-0 flex-1 overflow-y-auto p-3">
            {jobs.length === 0 ? (
              <p className="py-16 text-center text-[13px] text-muted-foreground" data-testid="queue-empty">
                No jobs yet.
              </p>
            ) : (
              <ul className="space-y-2">
                {ordered.map((j) => (
                  <JobRow key={j.id} job={j} />
                ))}
                {finished.length > 0 && ordered.length > 0 && <li className="px-1 pt-2 text-[11px] font-medium uppercase tracking-wide text-muted-foreground">Finished</li>}
                {finished.map((j) => (
                  <JobRow key={j.id} job={j} />
                ))}
              </ul>
            )}
          </div>
        </DialogPrimitive.Content>
      </DialogPrimitive.Portal>
    </DialogPrimitive.Root>
  )
}
