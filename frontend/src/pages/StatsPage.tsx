import { AlertCircle, BarChart3, Cloud, Cpu, Gauge, Images, RefreshCw, Timer } from 'lucide-react'
import { useEffect, useState } from 'react'
import type * as React from 'react'
import { EmptyState } from '@/components/EmptyState'
import { BoxChart, OutcomeBar, OutcomeTimeline } from '@/components/stats/charts'
import { Button } from '@/components/ui/button'
import { Skeleton } from '@/components/ui/skeleton'
import { Tabs, TabsList, TabsTrigger } from '@/components/ui/tabs'
import type { StatResources, StatSpread, StatsSummary } from '@/lib/types'
import { cn, formatBytes } from '@/lib/utils'
import { STAT_RANGES, useStatsStore } from '@/stores/stats'

/** Seconds as people read them: "0.84 s", "12.5 s", "3 m 05 s". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '—'
  if (s < 1) return `${s.toFixed(2)} s`
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`
  const m = Math.floor(s / 60)
  const rest = Math.round(s - m * 60)
  return `${m} m ${String(rest).padStart(2, '0')} s`
}

export function formatPercent(rate: number): string {
  if (!Number.isFinite(rate)) return '—'
  const p = rate * 100
  return `${p === 100 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`
}

const formatCores = (c: number) => `${c < 10 ? c.toFixed(1) : Math.round(c)} cores`

function Card({ title, icon: Icon, children, className, aside, ...props }: { title: string; icon: typeof Timer; aside?: React.ReactNode } & React.ComponentProps<'section'>) {
  return (
    <section className={cn('flex flex-col rounded-lg border bg-panel p-4', className)} {...props}>
      <header className="mb-3 flex items-center gap-2">
        <Icon className="size-4 text-muted-foreground" />
        <h2 className="text-[13px] font-semibold">{title}</h2>
        {aside && <div className="ml-auto">{aside}</div>}
      </header>
      {children}
    </section>
  )
}

function Kpi({ label, value, detail, testId }: { label: string; value: string; detail?: React.ReactNode; testId: string }) {
  return (
    <div className="rounded-lg border bg-panel px-4 py-3" data-testid={testId}>
      <div className="text-[11px] font-medium uppercase tracking-wide text-muted-foreground">{label}</div>
      <div className="mt-1 text-[22px] font-semibold tracking-tight tabular-nums" data-testid={`${testId}-value`}>
        {value}
      </div>
      {detail && <div className="mt-0.5 text-[12px] tabular-nums text-muted-foreground">{detail}</div>}
    </div>
  )
}

function Note({ children }: { children: React.ReactNode }) {
  return <p className="rounded-md border border-dashed px-3 py-4 text-center text-[12.5px] text-muted-foreground">{children}</p>
}

type Group = 'byModel' | 'bySize' | 'byDevice'
const GROUPS: [Group, string][] = [
  ['byModel', 'Model'],
  ['bySize', 'Size'],
  ['byDevice', 'Device'],
]

function ImageTimeCard({ summary }: { summary: StatsSummary }) {
  const [group, setGroup] = useState<Group>('byModel')
  const rows = summary.imageSeconds[group]
  return (
    <Card
      title="Time per image"
      icon={Timer}
      data-testid="stats-image-time"
      aside={
        <Tabs value={group} onValueChange={(v) => setGroup(v as Group)}>
          <TabsList aria-label="Group by">
            {GROUPS.map(([g, label]) => (
              <TabsTrigger key={g} value={g} data-group={g}>
                {label}
              </TabsTrigger>
            ))}
          </TabsList>
        </Tabs>
      }
    >
      {rows.length === 0 ? (
        <Note>No finished images in this range.</Note>
      ) : (
        <>
          <BoxChart rows={rows} format={formatSeconds} testId="image-time-chart" />
          <p className="mt-3 text-[11.5px] text-muted-foreground">
            Wall time of each succeeded job divided by its images, model loading included. Box: middle half of the jobs; bar: median; whiskers: fastest and slowest.
          </p>
        </>
      )}
    </Card>
  )
}

function ResourceRows({ r }: { r: StatResources }) {
  const items: { label: string; spread: StatSpread; format: (v: number) => string; unitMax?: number }[] = [
    { label: 'Peak RAM', spread: r.peakRamBytes, format: formatBytes },
    { label: 'Peak VRAM', spread: r.peakVramBytes, format: formatBytes },
    { label: 'CPU', spread: r.cpuCores, format: formatCores, unitMax: 1 },
  ]
  return (
    <div data-testid="resource-device" data-device={r.device} className="space-y-2">
      <div className="text-[12px] font-medium uppercase tracking-wide text-muted-foreground">{r.device}</div>
      {items
        .filter((i) => i.spread.count > 0)
        .map((i) => (
          <BoxChart key={i.label} rows={[{ ...i.spread, label: i.label }]} format={i.format} unitMax={i.unitMax} />
        ))}
    </div>
  )
}

function Loading() {
  return (
    <div className="grid gap-4 md:grid-cols-4" aria-label="Loading stats">
      {Array.from({ length: 4 }, (_, i) => (
        <Skeleton key={i} className="h-[86px] rounded-lg" />
      ))}
      <Skeleton className="h-64 rounded-lg md:col-span-2" />
      <Skeleton className="h-64 rounded-lg md:col-span-2" />
    </div>
  )
}

function Overview({ summary }: { summary: StatsSummary }) {
  const o = summary.outcomes
  const overall = summary.imageSeconds.overall
  const ram = summary.resources.map((r) => r.peakRamBytes).filter((s) => s.count > 0)
  const peakRam = ram.length ? Math.max(...ram.map((s) => s.max)) : 0
  return (
    <>
      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <Kpi testId="kpi-images" label="Images" value={summary.images.toLocaleString()} detail={`from ${summary.jobs.toLocaleString()} ${summary.jobs === 1 ? 'job' : 'jobs'}`} />
        <Kpi
          testId="kpi-median"
          label="Median per image"
          value={overall.count ? formatSeconds(overall.median) : '—'}
          detail={overall.count ? `middle half ${formatSeconds(overall.p25)} – ${formatSeconds(overall.p75)}` : 'no finished images'}
        />
        <Kpi
          testId="kpi-success"
          label="Success rate"
          value={o.done + o.failed ? formatPercent(o.successRate) : '—'}
          detail={
            <div className="mt-1 space-y-1.5">
              <OutcomeBar done={o.done} failed={o.failed} cancelled={o.cancelled} />
              <div className="flex gap-3 text-[11.5px]">
                <span><span className="mr-1 inline-block size-2 rounded-full bg-success" />{o.done} done</span>
                <span><span className="mr-1 inline-block size-2 rounded-full bg-destructive" />{o.failed} failed</span>
                <span><span className="mr-1 inline-block size-2 rounded-full bg-muted-foreground/45" />{o.cancelled} cancelled</span>
              </div>
            </div>
          }
        />
        <Kpi testId="kpi-ram" label="Engine peak RAM" value={peakRam ? formatBytes(peakRam) : '—'} detail={peakRam ? 'highest of any local job' : 'not measured in this range'} />
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Outcomes over time" icon={BarChart3} data-testid="stats-outcomes">
          <OutcomeTimeline className="h-48" buckets={summary.timeline.buckets} bucketSeconds={summary.timeline.bucketSeconds} />
        </Card>
        <ImageTimeCard summary={summary} />
        <Card title="Cloud response time" icon={Cloud} data-testid="stats-response">
          {summary.responseSeconds.length === 0 ? (
            <Note>No cloud jobs finished in this range.</Note>
          ) : (
            <>
              <BoxChart rows={summary.responseSeconds} format={formatSeconds} testId="response-chart" />
              <p className="mt-3 text-[11.5px] text-muted-foreground">From a job's start until its images were downloaded and saved.</p>
            </>
          )}
        </Card>
        <Card title="Engine resources" icon={Cpu} data-testid="stats-resources">
          {summary.resources.length === 0 ? (
            <Note>No local jobs with resource measurements in this range. The local engine records its peak RAM and CPU use for every job.</Note>
          ) : (
            <div className="space-y-4">
              {summary.resources.map((r) => (
                <ResourceRows key={r.device} r={r} />
              ))}
              <p className="text-[11.5px] text-muted-foreground">Per job: the engine process's peak memory and the CPU cores it kept busy on average.</p>
            </div>
          )}
        </Card>
      </div>
    </>
  )
}

export function StatsPage() {
  const rangeHours = useStatsStore((s) => s.rangeHours)
  const summary = useStatsStore((s) => s.summary)
  const loading = useStatsStore((s) => s.loading)
  const error = useStatsStore((s) => s.error)
  const load = useStatsStore((s) => s.load)
  const listen = useStatsStore((s) => s.listen)

  useEffect(() => {
    void load()
    return listen()
  }, [load, listen])

  return (
    <div data-testid="page-stats" className="flex flex-col gap-4 px-6 py-5">
      <div className="flex flex-wrap items-center gap-2">
        <Tabs value={String(rangeHours)} onValueChange={(v) => void load(Number(v))}>
          <TabsList aria-label="Time range">
            {STAT_RANGES.map((r) => (
              <TabsTrigger key={r.hours} value={String(r.hours)} data-range={r.hours}>
                {r.label}
              </TabsTrigger>
            ))}
          </TabsList>
        </Tabs>
        <Button variant="secondary" className="ml-auto" onClick={() => void load()} disabled={loading} data-testid="stats-refresh">
          <RefreshCw className={cn(loading && 'animate-spin')} />
          Refresh
        </Button>
      </div>

      {error && (
        <div role="alert" className="flex items-center gap-2 rounded-lg border border-destructive/30 bg-destructive/10 px-3 py-2 text-[13px] text-destructive">
          <AlertCircle className="size-4" />
          Could not load stats: {error}
        </div>
      )}

      {!summary ? (
        !error && <Loading />
      ) : summary.jobs === 0 ? (
        <EmptyState icon={Gauge} title="No finished jobs in this range" data-testid="stats-empty">
          <p>Generation times, success rates and the engine's memory use appear here as jobs finish.</p>
          {rangeHours !== 0 && (
            <Button variant="secondary" className="mt-4" onClick={() => void load(0)}>
              <Images />
              Show all time
            </Button>
          )}
        </EmptyState>
      ) : (
        <Overview summary={summary} />
      )}
    </div>
  )
}
