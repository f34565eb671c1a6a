import { cva, type VariantProps } from 'class-variance-authority'
import * as React from 'react'
import { cn } from '@/lib/utils'

export const badgeVariants = cva(
  'inline-flex items-center gap-1 whitespace-nowrap rounded-md border px-1.5 py-px text-[11px] font-medium leading-4 [&_svg]:size-3',
  {
    variants: {
      tone: {
        neutral: 'border-border bg-muted text-muted-foreground',
        primary: 'border-primary/30 bg-primary/12 text-primary',
        success: 'border-success/30 bg-success/12 text-success',
        warning: 'border-warning/35 bg-warning/12 text-warning',
        danger: 'border-destructive/35 bg-destructive/12 text-destructive',
        sky: 'border-sky-500/30 bg-sky-500/12 text-sky-600 dark:text-sky-300',
        violet: 'border-violet-500/30 bg-violet-500/12 text-violet-600 dark:text-violet-300',
        fuchsia: 'border-fuchsia-500/30 bg-fuchsia-500/12 text-fuchsia-600 dark:text-fuchsia-300',
        emerald: 'border-emerald-500/30 bg-emerald-500/12 text-emerald-600 dark:text-emerald-300',
        amber: 'border-amber-500/30 bg-amber-500/12 text-amber-700 dark:text-amber-300',
        orange: 'border-orange-500/30 bg-orange-500/12 text-orange-600 dark:text-orange-300',
        teal: 'border-teal-500/30 bg-teal-500/12 text-teal-600 dark:text-teal-300',
      },
    },
    defaultVariants: { tone: 'neutral' },
  },
)

export type BadgeTone = NonNullable<VariantProps<typeof badgeVariants>['tone']>

export interface BadgeProps extends React.ComponentProps<'span'>, VariantProps<typeof badgeVariants> {}

export function Badge({ className, tone, ...props }: BadgeProps) {
  return <span className={cn(badgeVariants({ tone }), className)} {...props} />
}
