import { X } from 'lucide-react'
import { useState } from 'react'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select'
import type { GalleryFacets } from '@/lib/types'
import type { GalleryFilters as Filters } from '@/stores/gallery'

export type DateRange = 'all' | 'today' | '7d' | '30d' | 'custom'

const RANGES: { id: DateRange; label: string }[] = [
  { id: 'all', label: 'Any date' },
  { id: 'today', label: 'Today' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
  { id: 'custom', label: 'Custom range…' },
]

const PROVIDER_LABELS: Record<string, string> = {
  local: 'Local',
  openai: 'OpenAI',
  ideogram: 'Ideogram',
  bfl: 'FLUX (BFL)',
  comfyui: 'ComfyUI',
}

// Radix Select has no empty value, so "any" is a sentinel no model or
// provider is ever called.
const ANY = '__any__'

function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate())
}

/** A date input's "YYYY-MM-DD" as local midnight, or undefined when empty or malformed. */
function parseDay(s: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return undefined
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  return Number.isNaN(d.getTime()) ? undefined : d
}

/**
 * The [sinceMs, untilMs) bounds of a range in the user's time zone. "Today"
 * starts at local midnight; "last 7 days" is today and the 6 days before it.
 * A custom range includes both end days; either end may be left open.
 */
export function rangeBounds(range: DateRange, now: Date, from = '', to = ''): { sinceMs: number; untilMs: number } {
  const today = startOfDay(now)
  const daysBack = (n: number) => new Date(today.getFullYear(), today.getMonth(), today.getDate() - n).getTime()
  switch (range) {
    case 'today':
      return { sinceMs: today.getTime(), untilMs: 0 }
    case '7d':
      return { sinceMs: daysBack(6), untilMs: 0 }
    case '30d':
      return { sinceMs: daysBack(29), untilMs: 0 }
    case 'custom': {
      const a = parseDay(from)
      const b = parseDay(to)
      return {
        sinceMs: a ? a.getTime() : 0,
        untilMs: b ? new Date(b.getFullYear(), b.getMonth(), b.getDate() + 1).getTime() : 0,
      }
    }
    default:
      return { sinceMs: 0, untilMs: 0 }
  }
}

export function GalleryFilters({
  facets,
  filters,
  onChange,
}: {
  facets: GalleryFacets
  filters: Filters
  onChange: (patch: Partial<Filters>) => void
}) {
  const [range, setRange] = useState<DateRange>(filters.sinceMs || filters.untilMs ? 'custom' : 'all')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')

  // A chosen value that has since left the data (its images deleted) stays
  // listed, so the menu never shows a blank choice.
  const models = facets.models.map((m) => m.value)
  if (filters.model && !models.includes(filters.model)) models.unshift(filters.model)
  const providers = facets.providers.map((p) => p.value)
  if (filters.provider && !providers.includes(filters.provider)) providers.unshift(filters.provider)
  const count = (list: { value: string; count: number }[], v: string) => list.find((x) => x.value === v)?.count

  const applyRange = (r: DateRange, f = from, t = to) => onChange(rangeBounds(r, new Date(), f, t))
  const active = filters.model !== '' || filters.provider !== '' || range !== 'all'

  return (
    <div className="flex flex-wrap items-center gap-2" data-testid="gallery-filters">
      <Select value={filters.model || ANY} onValueChange={(v) => onChange({ model: v === ANY ? '' : v })}>
        <SelectTrigger className="h-8 w-48" aria-label="Filter by model" data-testid="filter-model">
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          <SelectItem value={ANY}>All models</SelectItem>
          {models.map((m) => (
            <SelectItem key={m} value={m}>
              {m}
              {count(facets.models, m) !== undefined && <span className="ml-1.5 text-muted-foreground tabular-nums">{count(facets.models, m)}</span>}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
      <Select value={filters.provider || ANY} onValueChange={(v) => onChange({ provider: v === ANY ? '' : v })}>
        <SelectTrigger className="h-8 w-40" aria-label="Filter by provider" data-testid="filter-provider">
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          <SelectItem value={ANY}>All providers</SelectItem>
          {providers.map((p) => (
            <SelectItem key={p} value={p}>
              {PROVIDER_LABELS[p] ?? p}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
      <Select
        value={range}
        onValueChange={(v) => {
          setRange(v as DateRange)
          applyRange(v as DateRange)
        }}
      >
        <SelectTrigger className="h-8 w-40" aria-label="Filter by date" data-testid="filter-date">
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          {RANGES.map((r) => (
            <SelectItem key={r.id} value={r.id}>
              {r.label}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
      {range === 'custom' && (
        <div className="flex items-center gap-1.5 text-[12px] text-muted-foreground">
          <Input
            type="date"
            aria-label="From date"
            className="h-8 w-36"
            value={from}
            max={to || undefined}
            onChange={(e) => {
              setFrom(e.target.value)
              applyRange('custom', e.target.value, to)
            }}
          />
          <span>to</span>
          <Input
            type="date"
            aria-label="To date"
            className="h-8 w-36"
            value={to}
            min={from || undefined}
            onChange={(e) => {
              setTo(e.target.value)
              applyRange('custom', from, e.target.value)
            }}
          />
        </div>
      )}
      {active && (
        <Button
          variant="ghost"
          size="sm"
          onClick={() => {
            setRange('all')
            setFrom('')
            setTo('')
            onChange({ model: '', provider: '', sinceMs: 0, untilMs: 0 })
          }}
        >
          <X />
          Clear filters
        </Button>
      )}
    </div>
  )
}
