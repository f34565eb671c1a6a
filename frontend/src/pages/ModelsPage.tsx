import { AlertCircle, FolderOpen, Loader2, MoreHorizontal, PackageOpen, RefreshCw, Search, X } from 'lucide-react'
import { useMemo, useState } from 'react'
import { CopyButton } from '@/components/CopyButton'
import { EmptyState } from '@/components/EmptyState'
import { ModelBadges } from '@/components/FamilyBadge'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from '@/components/ui/dropdown-menu'
import { Input } from '@/components/ui/input'
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select'
import { Skeleton } from '@/components/ui/skeleton'
import { Tabs, TabsList, TabsTrigger } from '@/components/ui/tabs'
import { Tip } from '@/components/ui/tooltip'
import { FAMILY_LABEL, FAMILY_ORDER, KIND_INFO, shortHash } from '@/lib/models'
import type { Model, ModelFamily, ModelKind } from '@/lib/types'
import { cn, formatBytes } from '@/lib/utils'
import { useAppStore } from '@/stores/app'
import { useCatalogStore } from '@/stores/catalog'
import { useSettingsStore } from '@/stores/settings'

export type KindFilter = ModelKind | 'all'
export type FamilyFilter = ModelFamily | 'all'

export interface ModelFilter {
  kind: KindFilter
  family: FamilyFilter
  query: string
}

/** Models matching every part of the filter; the query matches name, file name or hash, case-insensitively. */
export function filterModels(models: Model[], f: ModelFilter): Model[] {
  const q = f.query.trim().toLowerCase()
  return models.filter(
    (m) =>
      (f.kind === 'all' || m.kind === f.kind) &&
      (f.family === 'all' || m.family === f.family) &&
      (q === '' ||
        m.name.toLowerCase().includes(q) ||
        m.fileName.toLowerCase().includes(q) ||
        (m.autoV2 !== '' && m.autoV2.toLowerCase().startsWith(q)) ||
        (m.baseModel ?? '').toLowerCase().includes(q)),
  )
}

function HashCell({ model }: { model: Model }) {
  const hash = shortHash(model.autoV2, model.sha256)
  if (model.hashing) {
    return (
      <span className="inline-flex items-center gap-1.5 text-[12px] text-muted-foreground">
        <Loader2 className="size-3.5 animate-spin" />
        computing…
      </span>
    )
  }
  if (hash === '') return <span className="text-[12px] text-muted-foreground/60">—</span>
  return (
    <span className="group/hash inline-flex items-center gap-1">
      <span className="font-mono text-[12px] text-muted-foreground" data-selectable title={model.sha256}>
        {hash}
      </span>
      <CopyButton value={hash} label="Copy AutoV2 hash" className="opacity-0 group-hover/hash:opacity-100 focus-visible:opacity-100" />
    </span>
  )
}

function StatusCell({ model }: { model: Model }) {
  if (model.status === 'unreadable') {
    return (
      <Tip label={model.error || 'The file could not be read'}>
        <Badge tone="danger" className="max-w-full">
          <AlertCircle />
          <span className="truncate">{model.error || 'Unreadable'}</span>
        </Badge>
      </Tip>
    )
  }
  return (
    <span className="inline-flex items-center gap-1.5 text-[12px] text-muted-foreground">
      <span className="size-1.5 rounded-full bg-success" />
      Ready
    </span>
  )
}

function kindLabel(kind: ModelKind): string {
  return KIND_INFO.find((k) => k.kind === kind)?.singular ?? 'Other'
}

function ModelRow({ model, showKind }: { model: Model; showKind: boolean }) {
  const reveal = useCatalogStore((s) => s.reveal)
  return (
    <tr
      data-testid="model-row"
      data-model-name={model.fileName}
      data-model-id={model.id}
      className="group border-b border-border/60 transition-colors last:border-0 hover:bg-accent/40"
    >
      <td className="max-w-0 py-2.5 pr-3 pl-4">
        <div className="truncate text-[13px] font-medium" title={model.name}>
          {model.name}
        </div>
        <div className="truncate font-mono text-[11.5px] text-muted-foreground" title={model.path} data-selectable>
          {model.folder ? `${model.folder}/` : ''}
          {model.fileName}
        </div>
      </td>
      {showKind && <td className="px-3 text-[12px] text-muted-foreground">{kindLabel(model.kind)}</td>}
      <td className="px-3">
        <ModelBadges model={model} />
      </td>
      <td className="px-3 text-right text-[12px] tabular-nums text-muted-foreground">{formatBytes(model.size)}</td>
      <td className="px-3">
        <HashCell model={model} />
      </td>
      <td className="max-w-0 px-3">
        <StatusCell model={model} />
      </td>
      <td className="w-10 pr-3 text-right">
        <DropdownMenu>
          <DropdownMenuTrigger asChild>
            <Button variant="ghost" size="icon-sm" aria-label={`Actions for ${model.name}`} className="opacity-60 group-hover:opacity-100 data-[state=open]:opacity-100">
              <MoreHorizontal />
            </Button>
          </DropdownMenuTrigger>
          <DropdownMenuContent align="end">
            <DropdownMenuItem onSelect={() => void reveal(model.id)}>
              <FolderOpen />
              Show in folder
            </DropdownMenuItem>
          </DropdownMenuContent>
        </DropdownMenu>
      </td>
    </tr>
  )
}

function SkeletonRows() {
  return (
    <div className="divide-y divide-border/60" aria-label="Loading models">
      {Array.from({ length: 6 }, (_, i) => (
        <div key={i} className="flex items-center gap-6 px-4 py-3">
          <div className="flex-1 space-y-1.5">
            <Skeleton className="h-3.5 w-48" />
            <Skeleton className="h-3 w-72" />
          </div>
          <Skeleton className="h-4 w-14" />
          <Skeleton className="h-3 w-14" />
          <Skeleton className="h-3 w-20" />
          <Skeleton className="h-3 w-12" />
        </div>
      ))}
    </div>
  )
}

function NoModels({ root }: { root: string }) {
  const openFolder = useCatalogStore((s) => s.openFolder)
  const rescan = useCatalogStore((s) => s.rescan)
  return (
    <EmptyState
      icon={PackageOpen}
      title="No models yet"
      actions={
        <>
          <Button onClick={() => void openFolder('')}>
            <FolderOpen />
            Open models folder
          </Button>
          <Button variant="secondary" onClick={() => void rescan()}>
            <RefreshCw />
            Rescan
          </Button>
        </>
      }
    >
      <p>
        Put <span className="font-mono text-foreground">.safetensors</span> or <span className="font-mono text-foreground">.ckpt</span> files
        into your models folder. DreamLayer watches it and picks new files up instantly — no restart needed.
      </p>
      <div className="mt-4 rounded-lg border bg-panel p-3 text-left">
        <div className="text-[11px] font-medium uppercase tracking-wide text-muted-foreground">Models folder</div>
        <div className="mt-1 truncate font-mono text-[12px] text-foreground" data-selectable title={root}>
          {root || '—'}
        </div>
        <div className="mt-3 flex flex-wrap gap-1.5">
          {KIND_INFO.map((k) => (
            <span key={k.kind} className="rounded border bg-muted px-1.5 py-0.5 font-mono text-[11px] text-muted-foreground" title={k.label}>
              {k.folder}/
            </span>
          ))}
        </div>
        <p className="mt-3 text-[12px]">
          Existing AUTOMATIC1111 or ComfyUI folders work too: add them under Settings → Folders.
        </p>
      </div>
    </EmptyState>
  )
}

export function ModelsPage() {
  const models = useCatalogStore((s) => s.models)
  const loaded = useCatalogStore((s) => s.loaded)
  const error = useCatalogStore((s) => s.error)
  const rescanning = useCatalogStore((s) => s.rescanning)
  const rescan = useCatalogStore((s) => s.rescan)
  const openFolder = useCatalogStore((s) => s.openFolder)
  const modelsRoot = useSettingsStore((s) => s.settings?.modelsRoot ?? '')
  const defaultRoot = useAppStore((s) => s.paths?.defaultModelsRoot ?? '')

  const [kind, setKind] = useState<KindFilter>('all')
  const [family, setFamily] = useState<FamilyFilter>('all')
  const [query, setQuery] = useState('')

  const counts = useMemo(() => {
    const c = new Map<KindFilter, number>([['all', models.length]])
    for (const m of models) c.set(m.kind, (c.get(m.kind) ?? 0) + 1)
    return c
  }, [models])
  const families = useMemo(() => FAMILY_ORDER.filter((f) => models.some((m) => m.family === f)), [models])
  const visible = useMemo(() => filterModels(models, { kind, family, query }), [models, kind, family, query])
  const filtered = kind !== 'all' || family !== 'all' || query.trim() !== ''
  const openKind = kind === 'all' ? '' : kind

  const none = loaded && models.length === 0 && !error

  return (
    <div data-testid="page-models" className="flex flex-col gap-4 px-6 py-5">
      {!none && (
        <>
          <Tabs value={kind} onValueChange={(v) => setKind(v as KindFilter)}>
            <TabsList aria-label="Model kind" className="-mx-1 px-1 pb-0.5">
              {([['all', 'All'], ...KIND_INFO.map((k) => [k.kind, k.label])] as [KindFilter, string][]).map(([k, label]) => (
                <TabsTrigger key={k} value={k} data-kind={k}>
                  {label}
                  <span className="rounded bg-muted px-1 text-[11px] tabular-nums text-muted-foreground">{counts.get(k) ?? 0}</span>
                </TabsTrigger>
              ))}
            </TabsList>
          </Tabs>

          <div className="flex flex-wrap items-center gap-2">
            <div className="relative w-72">
              <Search className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground" />
              <Input
                type="search"
                aria-label="Search models"
                placeholder="Search name, file or hash"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                className="pl-8"
              />
            </div>
            <Select value={family} onValueChange={(v) => setFamily(v as FamilyFilter)}>
              <SelectTrigger aria-label="Family" className="w-40">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value="all">All families</SelectItem>
                {families.map((f) => (
                  <SelectItem key={f} value={f}>
                    {FAMILY_LABEL[f]}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
            {filtered && (
              <Button
                variant="ghost"
                size="sm"
                onClick={() => {
                  setKind('all')
                  setFamily('all')
                  setQuery('')
                }}
              >
                <X />
                Clear
              </Button>
            )}
            <div className="ml-auto flex items-center gap-2">
              <Button variant="secondary" onClick={() => void openFolder(openKind)}>
                <FolderOpen />
                Open models folder
              </Button>
              <Button variant="secondary" onClick={() => void rescan()} disabled={rescanning}>
                <RefreshCw className={cn(rescanning && 'animate-spin')} />
                Rescan
              </Button>
            </div>
          </div>
        </>
      )}

      {error && (
        <div role="alert" className="flex items-center gap-2 rounded-lg border border-destructive/30 bg-destructive/10 px-3 py-2 text-[13px] text-destructive">
          <AlertCircle className="size-4" />
          Could not load models: {error}
        </div>
      )}

      <div className="overflow-hidden rounded-lg border bg-panel">
        {!loaded ? (
          <SkeletonRows />
        ) : models.length === 0 ? (
          <NoModels root={modelsRoot || defaultRoot} />
        ) : visible.length === 0 ? (
          <EmptyState icon={Search} title="No models match" className="py-12">
            Nothing {kind === 'all' ? '' : `in ${KIND_INFO.find((k) => k.kind === kind)?.label ?? kind} `}matches these filters.
          </EmptyState>
        ) : (
          <table className="w-full table-fixed border-collapse">
            <thead>
              <tr className="border-b text-left text-[11px] font-medium uppercase tracking-wide text-muted-foreground">
                <th className="py-2 pr-3 pl-4 font-medium">Name</th>
                {kind === 'all' && <th className="w-28 px-3 font-medium">Kind</th>}
                <th className="w-40 px-3 font-medium">Family</th>
                <th className="w-24 px-3 text-right font-medium">Size</th>
                <th className="w-36 px-3 font-medium">Hash</th>
                <th className="w-48 px-3 font-medium">Status</th>
                <th className="w-10 pr-3" aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {visible.map((m) => (
                <ModelRow key={m.id} model={m} showKind={kind === 'all'} />
              ))}
            </tbody>
          </table>
        )}
      </div>
      {loaded && visible.length > 0 && (
        <div className="text-[12px] text-muted-foreground">
          {visible.length === models.length ? `${models.length} models` : `${visible.length} of ${models.length} models`}
          {' · '}
          {formatBytes(visible.reduce((n, m) => n + m.size, 0))}
        </div>
      )}
    </div>
  )
}
