import type * as React from 'react'
import { cn } from '@/lib/utils'

export function Section({
  id,
  title,
  description,
  children,
  aside,
}: {
  id: string
  title: string
  description?: string
  children: React.ReactNode
  aside?: React.ReactNode
}) {
  return (
    <section id={id} aria-labelledby={`${id}-title`} className="scroll-mt-20">
      <div className="mb-2.5 flex items-end justify-between gap-4 px-1">
        <div>
          <h2 id={`${id}-title`} className="text-[14px] font-semibold">
            {title}
          </h2>
          {description && <p className="mt-0.5 text-[12.5px] text-muted-foreground">{description}</p>}
        </div>
        {aside}
      </div>
      <div className="divide-y divide-border/70 rounded-lg border bg-panel">{children}</div>
    </section>
  )
}

/** One setting: label and help on the left, the control on the right, its error below. */
export function Row({
  label,
  help,
  htmlFor,
  error,
  children,
  stacked,
}: {
  label: string
  help?: React.ReactNode
  htmlFor?: string
  error?: string
  children: React.ReactNode
  stacked?: boolean
}) {
  return (
    <div className={cn('px-4 py-3', stacked ? 'space-y-2.5' : 'flex items-start gap-6')}>
      <div className={cn('min-w-0', !stacked && 'flex-1 pt-1.5')}>
        <label htmlFor={htmlFor} className="text-[13px] font-medium">
          {label}
        </label>
        {help && <div className="mt-0.5 text-[12px] leading-relaxed text-muted-foreground">{help}</div>}
      </div>
      <div className={cn(!stacked && 'w-[300px] shrink-0')}>
        {children}
        {error && (
          <p role="alert" className="mt-1.5 text-[12px] text-destructive" data-field-error>
            {error}
          </p>
        )}
      </div>
    </div>
  )
}
