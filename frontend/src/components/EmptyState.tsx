import type { LucideIcon } from 'lucide-react'
import type * as React from 'react'
import { cn } from '@/lib/utils'

export function EmptyState({
  icon: Icon,
  title,
  children,
  actions,
  className,
  ...props
}: {
  icon: LucideIcon
  title: string
  children?: React.ReactNode
  actions?: React.ReactNode
} & Omit<React.ComponentProps<'div'>, 'title'>) {
  return (
    <div className={cn('flex flex-col items-center justify-center px-6 py-16 text-center', className)} {...props}>
      <div className="relative mb-5">
        <div className="absolute inset-0 -z-10 scale-150 rounded-full bg-primary/15 blur-2xl" />
        <div className="flex size-14 items-center justify-center rounded-2xl border bg-panel shadow-sm">
          <Icon className="size-6 text-primary" strokeWidth={1.75} />
        </div>
      </div>
      <h3 className="text-[15px] font-semibold">{title}</h3>
      {children && <div className="mt-1.5 max-w-md text-[13px] leading-relaxed text-muted-foreground">{children}</div>}
      {actions && <div className="mt-5 flex flex-wrap items-center justify-center gap-2">{actions}</div>}
    </div>
  )
}
