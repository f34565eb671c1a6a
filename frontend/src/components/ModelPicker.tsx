import { Box, Cloud, KeyRound, Lock, TriangleAlert } from 'lucide-react'
import { useMemo } from 'react'
import { goTo } from '@/hooks/useHashRoute'
import { cloudValue, groupCloudModels, parseCloudValue, PROVIDER_LABEL, servesTab } from '@/lib/cloud'
import { Select, SelectContent, SelectGroup, SelectItem, SelectLabel, SelectSeparator, SelectTrigger } from '@/components/ui/select'
import { FAMILY_LABEL, FAMILY_ORDER } from '@/lib/models'
import type { CloudModel, Model, ModelFamily } from '@/lib/types'
import { cn } from '@/lib/utils'
import { useCatalogStore } from '@/stores/catalog'
import { useCloudStore } from '@/stores/cloud'
import { type GenTab, useGenerateStore, useGenForm } from '@/stores/generate'
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

/** Opens Settings at the API keys section, where a locked provider's key is added. */
function openKeys(): void {
  goTo('settings')
  // The settings page mounts on the hash change; scroll once it has.
  setTimeout(() => document.getElementById('keys')?.scrollIntoView({ block: 'start' }), 50)
}

function LockedRow({ model }: { model: CloudModel }) {
  return (
    <div className="flex items-center gap-2 rounded-sm py-1.5 pr-2 pl-2 text-sm text-muted-foreground" data-testid="cloud-locked" data-model={model.id}>
      <Lock className="size-3.5 shrink-0" aria-label="Locked" />
      <span className="min-w-0 flex-1 truncate">{model.name}</span>
      <button
        type="button"
        className="inline-flex h-6 items-center gap-1 rounded-md border px-1.5 text-[11.5px] text-foreground hover:bg-accent"
        data-testid={`add-key-${model.provider}`}
        onPointerDown={(e) => e.stopPropagation()}
        onClick={openKeys}
      >
        <KeyRound className="size-3" />
        Add key
      </button>
    </div>
  )
}

/**
 * The model generation starts from. Local checkpoints are saved to settings
 * at once; with a tab, cloud models are listed too and a pick goes to that
 * tab's form. Cloud models that cannot serve the tab are left out.
 */
export function ModelPicker({ className, tab }: { className?: string; tab?: GenTab }) {
  const models = useCatalogStore((s) => s.models)
  const loaded = useCatalogStore((s) => s.loaded)
  const selected = useSettingsStore((s) => s.settings?.generation.checkpoint ?? '')
  const ready = useSettingsStore((s) => s.settings !== null)
  const setCheckpoint = useSettingsStore((s) => s.setCheckpoint)
  const cloudModels = useCloudStore((s) => s.models)
  const chooseCloud = useGenerateStore((s) => s.chooseCloud)
  const chooseLocal = useGenerateStore((s) => s.chooseLocal)
  const form = useGenForm(tab ?? 'txt2img')
  const choice = tab ? (form.cloud ?? null) : null

  const groups = useMemo(() => groupCheckpoints(models), [models])
  const cloudGroups = useMemo(
    () => (tab ? groupCloudModels(cloudModels.filter((m) => servesTab(m.capabilities, tab))) : []),
    [cloudModels, tab],
  )
  const cloudCurrent = choice ? cloudModels.find((m) => m.provider === choice.provider && m.id === choice.model) : undefined
  const current = choice ? undefined : models.find((m) => m.id === selected)
  const missing = !choice && selected !== '' && loaded && !current
  const empty = groups.length === 0 && cloudGroups.length === 0
  const value = choice ? cloudValue(choice.provider, choice.model) : selected

  const onChange = (v: string) => {
    const c = parseCloudValue(v)
    if (c) {
      const m = cloudModels.find((x) => x.provider === c.provider && x.id === c.id)
      if (m && !m.locked && tab) chooseCloud(tab, m)
      return
    }
    if (tab) chooseLocal(tab)
    if (v !== selected) void setCheckpoint(v)
  }

  return (
    <Select value={value} onValueChange={onChange} disabled={(!ready && !choice) || (empty && !missing && !choice)}>
      <SelectTrigger
        data-testid="model-picker"
        aria-label="Checkpoint"
        className={cn('h-8 w-72 bg-panel', className)}
      >
        <span className="flex min-w-0 items-center gap-2">
          {missing ? (
            <TriangleAlert className="size-4 shrink-0 text-warning" />
          ) : choice ? (
            <Cloud className="size-4 shrink-0 text-muted-foreground" />
          ) : (
            <Box className="size-4 shrink-0 text-muted-foreground" />
          )}
          {choice ? (
            <>
              <span className="truncate">{cloudCurrent?.name ?? choice.model}</span>
              <span className="shrink-0 rounded border px-1 text-[10.5px] text-muted-foreground">{PROVIDER_LABEL[choice.provider] ?? choice.provider}</span>
            </>
          ) : current ? (
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
        {cloudGroups.map(([provider, list], i) => (
          <SelectGroup key={provider} data-testid={`cloud-group-${provider}`}>
            {(i > 0 || groups.length > 0) && <SelectSeparator />}
            <SelectLabel>{PROVIDER_LABEL[provider]}</SelectLabel>
            {list.map((m) =>
              m.locked ? (
                <LockedRow key={m.id} model={m} />
              ) : (
                <SelectItem key={m.id} value={cloudValue(m.provider, m.id)} data-testid={`cloud-model-${m.id}`}>
                  <span className="flex min-w-0 items-center gap-2">
                    <span className="truncate">{m.name}</span>
                  </span>
                </SelectItem>
              ),
            )}
          </SelectGroup>
        ))}
        {choice && !cloudCurrent && (
          <SelectItem value={value} disabled>
            Unavailable ({choice.model})
          </SelectItem>
        )}
      </SelectContent>
    </Select>
  )
}
