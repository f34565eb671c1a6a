// Small form controls of the Generate page: a labelled slider with a number
// box, a compact select, a disclosure and a card.
import { ChevronRight } from 'lucide-react'
import { useEffect, useId, useState } from 'react'
import type * as React from 'react'
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select'
import { Switch } from '@/components/ui/switch'
import { cn } from '@/lib/utils'

export function Card({ className, ...props }: React.ComponentProps<'div'>) {
  return <div className={cn('rounded-xl border bg-panel/80 p-3.5 shadow-xs', className)} {...props} />
}

export function FieldLabel({ htmlFor, children, aside }: { htmlFor?: string; children: React.ReactNode; aside?: React.ReactNode }) {
  return (
    <div className="mb-1.5 flex min-h-4 items-center justify-between gap-2">
      <label htmlFor={htmlFor} className="text-[12px] font-medium text-muted-foreground">
        {children}
      </label>
      {aside}
    </div>
  )
}

/** A number box that tolerates half-typed text and reports only finite values within range. */
export function NumberBox({
  value,
  onChange,
  min,
  max,
  step = 1,
  className,
  ...rest
}: {
  value: number
  onChange: (v: number) => void
  min?: number
  max?: number
  step?: number
  className?: string
  id?: string
  'aria-label'?: string
  'data-testid'?: string
}) {
  const [text, setText] = useState(String(value))
  useEffect(() => {
    setText((t) => (Number(t) === value && t.trim() !== '' ? t : String(value)))
  }, [value])
  const bad = text.trim() === '' || !Number.isFinite(Number(text))
  return (
    <input
      type="number"
      value={text}
      min={min}
      max={max}
      step={step}
      aria-invalid={bad || undefined}
      onChange={(e) => {
        const t = e.target.value
        setText(t)
        const n = Number(t)
        if (t.trim() !== '' && Number.isFinite(n)) onChange(n)
      }}
      onBlur={() => {
        let n = Number(text)
        if (!Number.isFinite(n) || text.trim() === '') n = value
        if (min !== undefined) n = Math.max(min, n)
        if (max !== undefined) n = Math.min(max, n)
        setText(String(n))
        if (n !== value) onChange(n)
      }}
      className={cn(
        'h-7 w-16 rounded-md border border-input bg-background/60 px-2 text-right text-[12.5px] tabular-nums outline-none transition-colors focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/25 aria-invalid:border-destructive [appearance:textfield] [&::-webkit-inner-spin-button]:appearance-none',
        className,
      )}
      {...rest}
    />
  )
}

/** A range slider with its value in a number box beside it. */
export function SliderField({
  label,
  value,
  onChange,
  min,
  max,
  step = 1,
  testId,
  hint,
}: {
  label: string
  value: number
  onChange: (v: number) => void
  min: number
  max: number
  step?: number
  testId?: string
  hint?: React.ReactNode
}) {
  const id = useId()
  const pct = Math.min(100, Math.max(0, ((value - min) / (max - min)) * 100))
  return (
    <div>
      <FieldLabel htmlFor={id} aside={hint}>
        {label}
      </FieldLabel>
      <div className="flex items-center gap-3">
        <input
          id={id}
          type="range"
          min={min}
          max={max}
          step={step}
          value={Math.min(max, Math.max(min, value))}
          onChange={(e) => onChange(Number(e.target.value))}
          className="dl-range h-1.5 flex-1"
          style={{ '--dl-range-pct': `${pct}%` } as React.CSSProperties}
          aria-label={label}
        />
        <NumberBox value={value} onChange={onChange} min={min} step={step} aria-label={`${label} value`} data-testid={testId} />
      </div>
    </div>
  )
}

export function SelectField({
  label,
  value,
  options,
  onChange,
  testId,
  className,
}: {
  label: string
  value: string
  options: readonly { id: string; label: string; hint?: string }[]
  onChange: (v: string) => void
  testId?: string
  className?: string
}) {
  const id = useId()
  const known = options.some((o) => o.id === value)
  return (
    <div className={className}>
      <FieldLabel htmlFor={id}>{label}</FieldLabel>
      <Select value={value} onValueChange={onChange}>
        <SelectTrigger id={id} data-testid={testId} aria-label={label} className="h-8 bg-background/60">
          <SelectValue />
        </SelectTrigger>
        <SelectContent>
          {!known && value !== '' && <SelectItem value={value}>{value}</SelectItem>}
          {options.map((o) => (
            <SelectItem key={o.id} value={o.id}>
              {o.label}
              {o.hint && <span className="ml-1.5 text-muted-foreground">{o.hint}</span>}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </div>
  )
}

/** A collapsible group; with onToggle it also carries an enable switch in its header. */
export function Disclosure({
  title,
  summary,
  enabled,
  onToggle,
  children,
  testId,
  defaultOpen = false,
}: {
  title: string
  summary?: React.ReactNode
  enabled?: boolean
  onToggle?: (on: boolean) => void
  children: React.ReactNode
  testId?: string
  defaultOpen?: boolean
}) {
  const [open, setOpen] = useState(defaultOpen)
  return (
    <div className="rounded-lg border bg-background/40" data-testid={testId}>
      <div className="flex h-9 items-center gap-2 pr-2.5">
        <button
          type="button"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
          className="flex h-full flex-1 items-center gap-1.5 rounded-lg pl-2.5 text-left text-[12.5px] font-medium outline-none focus-visible:ring-2 focus-visible:ring-ring/50"
        >
          <ChevronRight className={cn('size-3.5 text-muted-foreground transition-transform', open && 'rotate-90')} />
          {title}
          {summary && <span className="ml-1 truncate text-[11.5px] font-normal text-muted-foreground">{summary}</span>}
        </button>
        {onToggle && (
          <Switch
            checked={!!enabled}
            onCheckedChange={(v) => {
              onToggle(v)
              if (v) setOpen(true)
            }}
            aria-label={`Enable ${title.toLowerCase()}`}
            className="scale-90"
          />
        )}
      </div>
      {open && <div className={cn('space-y-3 border-t px-3 py-3', onToggle && !enabled && 'opacity-60')}>{children}</div>}
    </div>
  )
}
