// Small hand-written SVG charts for the Stats page: a box chart (quartiles
// and range per group) and a stacked bar timeline. Positions are SVG
// percentages, so the charts stay crisp at any width without measuring.
import type { StatBucket, StatSpread } from '@/lib/types'
import { cn } from '@/lib/utils'

/** A round upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten at or above v. */
export function niceMax(v: number): number {
  if (!Number.isFinite(v) || v <= 0) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p
  return 10 * p
}

/** An SVG percentage, rounded so the DOM does not carry float noise. */
const pct = (v: number, max: number) => `${+Math.max(0, Math.min(100, (v / max) * 100)).toFixed(3)}%`

/**
 * One row per group: whiskers from min to max, a box from the 25th to the
 * 75th percentile, a bar at the median. All rows share one axis from zero.
 */
export function BoxChart({
  rows,
  format,
  testId,
  unitMax,
}: {
  rows: StatSpread[]
  format: (v: number) => string
  testId?: string
  /** A floor for the axis's end (for example 1 core), so tiny values do not fill it. */
  unitMax?: number
}) {
  const max = niceMax(Math.max(unitMax ?? 0, ...rows.map((r) => r.max)))
  return (
    <div data-testid={testId} className="space-y-1.5">
      {rows.map((r) => (
        <div
          key={r.label}
          data-testid="box-row"
          data-label={r.label}
          className="grid grid-cols-[minmax(0,9rem)_1fr_4.5rem] items-center gap-3"
          title={`${r.label}: median ${format(r.median)} · middle half ${format(r.p25)}–${format(r.p75)} · range ${format(r.min)}–${format(r.max)} · ${r.count} ${r.count === 1 ? 'sample' : 'samples'}`}
        >
          <div className="min-w-0">
            <div className="truncate text-[12.5px] font-medium">{r.label}</div>
            <div className="text-[11px] tabular-nums text-muted-foreground">n = {r.count}</div>
          </div>
          <svg className="h-6 w-full overflow-visible" role="img" aria-label={`${r.label}: median ${format(r.median)}`}>
            <line x1="0" x2="100%" y1="50%" y2="50%" className="stroke-border" strokeWidth={1} />
            <line x1={pct(r.min, max)} x2={pct(r.max, max)} y1="50%" y2="50%" className="stroke-muted-foreground/60" strokeWidth={1.5} />
            <line x1={pct(r.min, max)} x2={pct(r.min, max)} y1="30%" y2="70%" className="stroke-muted-foreground/60" strokeWidth={1.5} />
            <line x1={pct(r.max, max)} x2={pct(r.max, max)} y1="30%" y2="70%" className="stroke-muted-foreground/60" strokeWidth={1.5} />
            <rect
              x={pct(r.p25, max)}
              width={`${Math.max(0.4, ((r.p75 - r.p25) / max) * 100)}%`}
              y="18%"
              height="64%"
              rx={3}
              className="fill-primary/25 stroke-primary/70"
              strokeWidth={1}
            />
            <line x1={pct(r.median, max)} x2={pct(r.median, max)} y1="12%" y2="88%" className="stroke-primary" strokeWidth={2.5} strokeLinecap="round" />
          </svg>
          <div className="text-right text-[12.5px] font-medium tabular-nums" data-testid="box-median">
            {format(r.median)}
          </div>
        </div>
      ))}
      <div className="grid grid-cols-[minmax(0,9rem)_1fr_4.5rem] gap-3 text-[10.5px] tabular-nums text-muted-foreground">
        <span />
        <div className="flex justify-between">
          <span>0</span>
          <span>{format(max / 2)}</span>
          <span>{format(max)}</span>
        </div>
        <span className="text-right">median</span>
      </div>
    </div>
  )
}

const OUTCOME_COLORS = {
  done: 'fill-success',
  failed: 'fill-destructive',
  cancelled: 'fill-muted-foreground/45',
} as const

/** Stacked bars of outcomes per time bucket, done at the bottom. */
export function OutcomeTimeline({ buckets, bucketSeconds, className }: { buckets: StatBucket[]; bucketSeconds: number; className?: string }) {
  const totals = buckets.map((b) => b.done + b.failed + b.cancelled)
  const max = niceMax(Math.max(1, ...totals))
  const hourly = bucketSeconds <= 3600
  const fmt = (iso: string) => {
    const d = new Date(iso)
    return hourly
      ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
      : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
  }
  const n = Math.max(1, buckets.length)
  const w = 100 / n
  return (
    <div className={cn('flex flex-col gap-1', className)}>
      <div className="flex min-h-0 flex-1 gap-2">
        <svg className="h-full min-h-24 w-full" data-testid="outcome-timeline" role="img" aria-label="Outcomes over time">
          {[0.5, 1].map((f) => (
            <line key={f} x1="0" x2="100%" y1={`${100 - f * 100}%`} y2={`${100 - f * 100}%`} className="stroke-border" strokeDasharray="2 3" strokeWidth={1} />
          ))}
          {buckets.map((b, i) => {
            let base = 0
            const parts = (['done', 'failed', 'cancelled'] as const).map((k) => {
              const v = b[k]
              const part = { k, y: base, h: v }
              base += v
              return part
            })
            return (
              <g key={b.start} data-testid="timeline-bar">
                <title>{`${fmt(b.start)}: ${b.done} done, ${b.failed} failed, ${b.cancelled} cancelled`}</title>
                <rect x={`${i * w}%`} width={`${w}%`} y="0" height="100%" className="fill-transparent hover:fill-accent/60" />
                {parts
                  .filter((p) => p.h > 0)
                  .map((p) => (
                    <rect
                      key={p.k}
                      x={`${i * w + w * 0.15}%`}
                      width={`${w * 0.7}%`}
                      y={`${100 - ((p.y + p.h) / max) * 100}%`}
                      height={`${(p.h / max) * 100}%`}
                      className={OUTCOME_COLORS[p.k]}
                    />
                  ))}
              </g>
            )
          })}
        </svg>
        <div className="flex w-6 shrink-0 flex-col justify-between text-right text-[10.5px] tabular-nums text-muted-foreground">
          <span>{max}</span>
          <span>0</span>
        </div>
      </div>
      {buckets.length > 0 && (
        <div className="mr-8 flex justify-between text-[10.5px] text-muted-foreground">
          <span>{fmt(buckets[0]!.start)}</span>
          <span>{fmt(buckets[buckets.length - 1]!.start)}</span>
        </div>
      )}
    </div>
  )
}

/** A single horizontal bar split by outcome, for the success-rate card. */
export function OutcomeBar({ done, failed, cancelled }: { done: number; failed: number; cancelled: number }) {
  const total = done + failed + cancelled
  if (total === 0) return <div className="h-2 rounded-full bg-muted" />
  let x = 0
  return (
    <svg className="h-2 w-full overflow-hidden rounded-full" role="img" aria-label={`${done} done, ${failed} failed, ${cancelled} cancelled`}>
      <rect width="100%" height="100%" className="fill-muted" />
      {(
        [
          ['done', done],
          ['failed', failed],
          ['cancelled', cancelled],
        ] as const
      ).map(([k, v]) => {
        const r = <rect key={k} x={`${(x / total) * 100}%`} width={`${(v / total) * 100}%`} height="100%" className={OUTCOME_COLORS[k]} />
        x += v
        return r
      })}
    </svg>
  )
}
