import { BarChart3, Boxes, FileSearch, Images, Settings, Sparkles, Workflow, type LucideIcon } from 'lucide-react'
import type { Route } from '@/hooks/useHashRoute'
import { cn } from '@/lib/utils'
import { useAppStore } from '@/stores/app'
import { useCatalogStore } from '@/stores/catalog'

interface NavItem {
  route: Route
  label: string
  icon: LucideIcon
  /** Hidden entries exist for routing but are not offered yet. */
  hidden?: boolean
}

export const NAV_ITEMS: readonly NavItem[] = [
  { route: 'generate', label: 'Generate', icon: Sparkles },
  { route: 'workflows', label: 'Workflows', icon: Workflow },
  { route: 'gallery', label: 'Gallery', icon: Images },
  { route: 'pnginfo', label: 'PNG Info', icon: FileSearch },
  { route: 'models', label: 'Models', icon: Boxes },
  { route: 'stats', label: 'Stats', icon: BarChart3 },
  { route: 'settings', label: 'Settings', icon: Settings },
]

function Logo() {
  return (
    <div className="flex items-center gap-2.5 px-2">
      <div className="relative flex size-7 items-center justify-center rounded-lg bg-gradient-to-br from-violet-500 via-fuchsia-500 to-orange-400 shadow-md shadow-fuchsia-500/25">
        <svg viewBox="0 0 24 24" className="size-4 text-white" fill="none" stroke="currentColor" strokeWidth={2.2} strokeLinejoin="round" aria-hidden>
          <path d="M12 3 3 8l9 5 9-5-9-5Z" fill="currentColor" fillOpacity={0.25} />
          <path d="m3 13 9 5 9-5" />
        </svg>
      </div>
      <span className="text-[14px] font-semibold tracking-tight">DreamLayer</span>
    </div>
  )
}

export function Sidebar({ route, onNavigate }: { route: Route; onNavigate: (r: Route) => void }) {
  const version = useAppStore((s) => s.version)
  const modelCount = useCatalogStore((s) => s.models.length)
  return (
    <aside className="flex w-[212px] shrink-0 flex-col border-r bg-sidebar">
      <div className="flex h-12 items-center px-3">
        <Logo />
      </div>
      <nav className="flex flex-col gap-0.5 px-2 pt-2" aria-label="Main">
        {NAV_ITEMS.filter((n) => !n.hidden).map(({ route: r, label, icon: Icon }) => {
          const active = r === route
          return (
            <a
              key={r}
              href={`#/${r}`}
              data-testid={`nav-${r}`}
              aria-current={active ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault()
                onNavigate(r)
              }}
              className={cn(
                'group flex h-8 items-center gap-2.5 rounded-md px-2.5 text-[13px] font-medium text-muted-foreground transition-colors outline-none hover:bg-accent/70 hover:text-foreground focus-visible:ring-2 focus-visible:ring-ring/50',
                active && 'bg-accent text-foreground',
              )}
            >
              <Icon className={cn('size-4 transition-colors', active ? 'text-primary' : 'text-muted-foreground group-hover:text-foreground')} />
              <span className="flex-1">{label}</span>
              {r === 'models' && modelCount > 0 && (
                <span className="text-[11px] tabular-nums text-muted-foreground/80">{modelCount}</span>
              )}
            </a>
          )
        })}
      </nav>
      <div className="mt-auto px-4 py-3 text-[11px] text-muted-foreground/70">
        <div className="flex items-center gap-1.5">
          <span className="size-1.5 rounded-full bg-success" />
          <span>Offline-ready</span>
        </div>
        {version && (
          <div className="mt-1 font-mono" title={`${version.commit} · ${version.goVersion} · ${version.os}/${version.arch}`}>
            v{version.version.replace(/^v/, '')}
          </div>
        )}
      </div>
    </aside>
  )
}
