import { Monitor, Moon, Sun, type LucideIcon } from 'lucide-react'
import { Tip } from '@/components/ui/tooltip'
import type { Theme } from '@/lib/types'
import { cn } from '@/lib/utils'
import { useSettingsStore } from '@/stores/settings'

const OPTIONS: { value: Theme; label: string; icon: LucideIcon }[] = [
  { value: 'system', label: 'System', icon: Monitor },
  { value: 'light', label: 'Light', icon: Sun },
  { value: 'dark', label: 'Dark', icon: Moon },
]

/** System / light / dark, saved to settings at once. */
export function ThemeToggle({ className, size = 'sm' }: { className?: string; size?: 'sm' | 'lg' }) {
  const theme = useSettingsStore((s) => s.settings?.theme ?? 'system')
  const setTheme = useSettingsStore((s) => s.setTheme)
  const ready = useSettingsStore((s) => s.settings !== null)
  return (
    <div
      role="radiogroup"
      aria-label="Theme"
      data-testid="theme-toggle"
      data-theme={theme}
      className={cn('inline-flex items-center gap-0.5 rounded-lg border bg-muted/60 p-0.5', className)}
    >
      {OPTIONS.map(({ value, label, icon: Icon }) => {
        const active = theme === value
        const button = (
          <button
            key={value}
            type="button"
            role="radio"
            aria-checked={active}
            aria-label={value === 'system' ? 'Match system' : label}
            data-theme-option={value}
            disabled={!ready}
            onClick={() => void setTheme(value)}
            className={cn(
              'inline-flex items-center justify-center gap-1.5 rounded-md text-muted-foreground transition-colors outline-none hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring/50 disabled:opacity-50',
              size === 'sm' ? 'size-6' : 'h-7 px-3 text-[13px] font-medium whitespace-nowrap',
              active && 'bg-panel text-foreground shadow-sm',
            )}
          >
            <Icon className="size-3.5" />
            {size === 'lg' && label}
          </button>
        )
        return size === 'sm' ? (
          <Tip key={value} label={label}>
            {button}
          </Tip>
        ) : (
          button
        )
      })}
    </div>
  )
}
