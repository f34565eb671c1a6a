import { Box, TriangleAlert } from 'lucide-react'
import { useMemo } from 'react'
import { Select, SelectContent, SelectGroup, SelectItem, SelectLabel, SelectSeparator, SelectTrigger } from '@/components/ui/select'
import { FAMILY_LABEL, FAMILY_ORDER } from '@/lib/models'
import type { Model, ModelFamily } from '@/lib/types'
import { cn } from '@/lib/utils'
import { useCatalogStore } from '@/stores/catalog'
import { useSettingsStore } from '@/stores/settings'
import { FamilyBadge } from './FamilyBadge'

/** Checkpoints grouped by family, in display order. */
export function groupCheckpoints(models: Model[]): [ModelFamily, Model[]][] {
  const groups = new Map<ModelFamily, Model[]>()
  for (const m of models) {
    if (m.kind !== 'checkpoint') continue
    const list = groups.get(m.family) ?? []
    list.push(m)
    groups.set(m.family, list)
  }
  return FAMILY_ORDER.filter((f) => groups.has(f)).map((f) => [f, groups.get(f) ?? []])
}

/** The checkpoint generation starts from; the choice is saved to settings at once. */
export function ModelPicker({ className }: { className?: string }) {
  const models = useCatalogStore((s) => s.models)
  const loaded = useCatalogStore((s) => s.loaded)
  const selected = useSettingsStore((s) => s.settings?.generation.checkpoint ?? '')
  const ready = useSettingsStore((s) => s.settings !== null)
  const setCheckpoint = useSettingsStore((s) => s.setCheckpoint)

  const groups = useMemo(() => groupCheckpoints(models), [models])
  const current = models.find((m) => m.id === selected)
  const missing = selected !== '' && loaded && !current
  const empty = groups.length === 0

  return (
    <Select value={selected} onValueChange={(v) => void setCheckpoint(v)} disabled={!ready || (empty && !missing)}>
      <SelectTrigger
        data-testid="model-picker"
        aria-label="Checkpoint"
        className={cn('h-8 w-72 bg-panel', className)}
      >
        <span className="flex min-w-0 items-center gap-2">
          {missing ? (
            <TriangleAlert className="size-4 shrink-0 text-warning" />
          ) : (
            <Box className="size-4 shrink-0 text-muted-foreground" />
          )}
          {current ? (
            <>
              <span className="truncate">{current.name}</span>
              <FamilyBadge family={current.family} />
            </>
          ) : missing ? (
            <span className="truncate text-warning" title={selected}>
              Checkpoint not found
            </span>
          ) : (
            <span className="truncate text-muted-foreground">
              {!loaded ? 'Loading models…' : empty ? 'No checkpoints found' : 'Choose a checkpoint'}
            </span>
          )}
        </span>
      </SelectTrigger>
      <SelectContent align="end" className="w-80">
        {groups.map(([family, list], i) => (
          <SelectGroup key={family}>
            {i > 0 && <SelectSeparator />}
            <SelectLabel>{FAMILY_LABEL[family]}</SelectLabel>
            {list.map((m) => (
              <SelectItem key={m.id} value={m.id} disabled={m.status !== 'ok'} data-model-name={m.fileName}>
                <span className="flex min-w-0 items-center gap-2">
                  <span className="truncate">{m.name}</span>
                </span>
              </SelectItem>
            ))}
          </SelectGroup>
        ))}
        {missing && (
          <SelectItem value={selected} disabled>
            Missing checkpoint ({selected})
          </SelectItem>
        )}
      </SelectContent>
    </Select>
  )
}
