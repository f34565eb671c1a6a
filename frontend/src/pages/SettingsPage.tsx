import { AlertCircle, FolderPlus, Loader2, RotateCcw, Trash2 } from 'lucide-react'
import { CopyButton } from '@/components/CopyButton'
import { ComfyServersSection } from '@/components/settings/ComfyServersSection'
import { ChoiceField, FolderField, NumberField } from '@/components/settings/fields'
import { KeysSection } from '@/components/settings/KeysSection'
import { Row, Section } from '@/components/settings/layout'
import { ThemeToggle } from '@/components/ThemeToggle'
import { Button } from '@/components/ui/button'
import { Skeleton } from '@/components/ui/skeleton'
import { api } from '@/lib/api'
import { notify } from '@/lib/notify'
import { SAMPLERS, SCHEDULERS } from '@/lib/samplers'
import type { Device, LogLevel, Settings } from '@/lib/types'
import { errorMessage } from '@/lib/utils'
import type { SettingsField } from '@/lib/validation'
import { useAppStore } from '@/stores/app'
import { isDirty, useSettingsStore } from '@/stores/settings'

const DEVICES: readonly { id: Device; label: string }[] = [
  { id: 'auto', label: 'Auto (CUDA when available)' },
  { id: 'cpu', label: 'CPU' },
  { id: 'cuda', label: 'CUDA (NVIDIA GPU)' },
]

const LOG_LEVELS: readonly { id: LogLevel; label: string }[] = [
  { id: 'debug', label: 'Debug' },
  { id: 'info', label: 'Info' },
  { id: 'warn', label: 'Warnings' },
  { id: 'error', label: 'Errors only' },
]

async function browse(title: string, start: string): Promise<string> {
  try {
    return await api.chooseFolder(title, start)
  } catch (e) {
    notify.error(errorMessage(e))
    return ''
  }
}

function SettingsSkeleton() {
  return (
    <div className="space-y-8" aria-label="Loading settings">
      {[3, 4, 5].map((n, i) => (
        <div key={i} className="space-y-2.5">
          <Skeleton className="h-4 w-32" />
          <div className="space-y-4 rounded-lg border bg-panel p-4">
            {Array.from({ length: n }, (_, j) => (
              <div key={j} className="flex items-center justify-between">
                <Skeleton className="h-3.5 w-40" />
                <Skeleton className="h-8 w-72" />
              </div>
            ))}
          </div>
        </div>
      ))}
    </div>
  )
}

function PathLine({ label, value }: { label: string; value: string }) {
  return (
    <div className="flex items-center gap-4 px-4 py-2">
      <span className="w-32 shrink-0 text-[12.5px] text-muted-foreground">{label}</span>
      <span className="min-w-0 flex-1 truncate font-mono text-[12px]" data-selectable title={value}>
        {value}
      </span>
      <CopyButton value={value} label={`Copy ${label.toLowerCase()}`} />
    </div>
  )
}

function Form({ draft }: { draft: Settings }) {
  const edit = useSettingsStore((s) => s.editDraft)
  const errors = useSettingsStore((s) => s.saveErrors)
  const paths = useAppStore((s) => s.paths)
  const version = useAppStore((s) => s.version)
  const err = (f: SettingsField) => errors?.fields[f]
  const extraErrors = errors ? Object.entries(errors.fields).filter(([k]) => k === 'extraModelRoots') : []
  const gen = <K extends keyof Settings['generation']>(k: K, v: Settings['generation'][K]) =>
    edit((d) => ({ ...d, generation: { ...d.generation, [k]: v } }))
  const eng = <K extends keyof Settings['engine']>(k: K, v: Settings['engine'][K]) =>
    edit((d) => ({ ...d, engine: { ...d.engine, [k]: v } }))

  return (
    <div className="space-y-8">
      <Section id="appearance" title="Appearance">
        <Row label="Theme" help="System follows your OS and switches with it. Applies immediately.">
          <ThemeToggle size="lg" className="w-full justify-between [&>button]:flex-1" />
        </Row>
      </Section>

      <Section id="folders" title="Folders" description="Where DreamLayer finds models and writes images.">
        <Row
          label="Models folder"
          htmlFor="modelsRoot"
          stacked
          help="Holds checkpoints/, loras/, vae/ and the other model folders. Watched for changes."
          error={err('modelsRoot')}
        >
          <FolderField
            id="modelsRoot"
            value={draft.modelsRoot}
            placeholder={paths?.defaultModelsRoot ?? 'Default location'}
            invalid={!!err('modelsRoot')}
            onChange={(v) => edit((d) => ({ ...d, modelsRoot: v }))}
            onBrowse={async () => {
              const p = await browse('Choose the models folder', draft.modelsRoot || paths?.defaultModelsRoot || '')
              if (p) edit((d) => ({ ...d, modelsRoot: p }))
            }}
          />
        </Row>
        <Row
          label="Extra model folders"
          stacked
          help="Existing AUTOMATIC1111 or ComfyUI model folders, scanned read-only."
          error={extraErrors.map(([, v]) => v).join('; ') || undefined}
        >
          <div className="space-y-1.5">
            {draft.extraModelRoots.length === 0 && (
              <div className="rounded-md border border-dashed px-2.5 py-1.5 text-[12px] text-muted-foreground">None added</div>
            )}
            {draft.extraModelRoots.map((root, i) => (
              <div key={`${root}-${i}`} className="flex items-center gap-1 rounded-md border bg-muted/40 py-0.5 pr-0.5 pl-2.5" data-testid="extra-root">
                <span className="min-w-0 flex-1 truncate font-mono text-[12px]" title={root} data-selectable>
                  {root}
                </span>
                <Button
                  variant="ghost"
                  size="icon-sm"
                  aria-label={`Remove ${root}`}
                  onClick={() => edit((d) => ({ ...d, extraModelRoots: d.extraModelRoots.filter((_, j) => j !== i) }))}
                >
                  <Trash2 />
                </Button>
              </div>
            ))}
            <Button
              variant="secondary"
              size="sm"
              onClick={async () => {
                const p = await browse('Add a model folder', '')
                if (p) edit((d) => (d.extraModelRoots.includes(p) ? d : { ...d, extraModelRoots: [...d.extraModelRoots, p] }))
              }}
            >
              <FolderPlus />
              Add folder…
            </Button>
          </div>
        </Row>
        <Row label="Output folder" htmlFor="outputDir" stacked help="Every generated PNG lands here, with its parameters embedded." error={err('outputDir')}>
          <FolderField
            id="outputDir"
            value={draft.outputDir}
            placeholder={paths?.defaultOutputDir ?? 'Default location'}
            invalid={!!err('outputDir')}
            onChange={(v) => edit((d) => ({ ...d, outputDir: v }))}
            onBrowse={async () => {
              const p = await browse('Choose the output folder', draft.outputDir || paths?.defaultOutputDir || '')
              if (p) edit((d) => ({ ...d, outputDir: p }))
            }}
          />
        </Row>
      </Section>

      <KeysSection />

      <ComfyServersSection draft={draft} />

      <Section id="generation" title="Generation defaults" description="What a new generation starts from.">
        <Row label="Sampler" htmlFor="sampler" error={err('generation.sampler')}>
          <ChoiceField id="sampler" value={draft.generation.sampler} options={SAMPLERS} invalid={!!err('generation.sampler')} onChange={(v) => gen('sampler', v)} />
        </Row>
        <Row label="Schedule" htmlFor="scheduler" error={err('generation.scheduler')}>
          <ChoiceField id="scheduler" value={draft.generation.scheduler} options={SCHEDULERS} invalid={!!err('generation.scheduler')} onChange={(v) => gen('scheduler', v)} />
        </Row>
        <Row label="Steps" htmlFor="steps" help="More steps add detail, up to a point. 20–30 suits most samplers." error={err('generation.steps')}>
          <NumberField id="steps" data-testid="setting-steps" value={draft.generation.steps} min={1} max={150} invalid={!!err('generation.steps')} onChange={(v) => gen('steps', v)} />
        </Row>
        <Row label="CFG scale" htmlFor="cfgScale" help="How closely images follow the prompt." error={err('generation.cfgScale')}>
          <NumberField id="cfgScale" integer={false} value={draft.generation.cfgScale} min={0} max={30} invalid={!!err('generation.cfgScale')} onChange={(v) => gen('cfgScale', v)} />
        </Row>
        <Row label="Size" htmlFor="width" help="Width × height in pixels, multiples of 8." error={err('generation.width') ?? err('generation.height')}>
          <div className="flex items-center gap-2">
            <NumberField id="width" value={draft.generation.width} min={64} max={4096} step={8} invalid={!!err('generation.width')} onChange={(v) => gen('width', v)} />
            <span className="text-muted-foreground">×</span>
            <NumberField id="height" value={draft.generation.height} min={64} max={4096} step={8} invalid={!!err('generation.height')} onChange={(v) => gen('height', v)} />
          </div>
        </Row>
        <Row label="Seed" htmlFor="seed" help="−1 picks a new random seed for every image." error={err('generation.seed')}>
          <NumberField id="seed" value={draft.generation.seed} min={-1} invalid={!!err('generation.seed')} onChange={(v) => gen('seed', v)} />
        </Row>
        <Row label="CLIP skip" htmlFor="clipSkip" help="2 suits many anime-style SD 1.x models." error={err('generation.clipSkip')}>
          <NumberField id="clipSkip" value={draft.generation.clipSkip} min={1} max={12} invalid={!!err('generation.clipSkip')} onChange={(v) => gen('clipSkip', v)} />
        </Row>
        <Row label="Batch size" htmlFor="batchSize" help="Images per generation." error={err('generation.batchSize')}>
          <NumberField id="batchSize" value={draft.generation.batchSize} min={1} max={16} invalid={!!err('generation.batchSize')} onChange={(v) => gen('batchSize', v)} />
        </Row>
      </Section>

      <Section id="engine" title="Engine" description="The local diffusion engine.">
        <Row label="Device" htmlFor="device" help="Auto uses an NVIDIA GPU when one is found and falls back to the CPU." error={err('engine.device')}>
          <ChoiceField id="device" value={draft.engine.device} options={DEVICES} invalid={!!err('engine.device')} onChange={(v) => eng('device', v as Device)} />
        </Row>
        <Row label="Unload when idle" htmlFor="idle" help="Minutes before an idle engine gives its memory back. 0 keeps it loaded." error={err('engine.idleTimeoutMinutes')}>
          <NumberField id="idle" value={draft.engine.idleTimeoutMinutes} min={0} max={1440} invalid={!!err('engine.idleTimeoutMinutes')} onChange={(v) => eng('idleTimeoutMinutes', v)} />
        </Row>
        <Row label="Memory budget (GB)" htmlFor="memory" help="Upper bound for model memory. 0 decides automatically." error={err('engine.memoryBudgetGB')}>
          <NumberField id="memory" integer={false} value={draft.engine.memoryBudgetGB} min={0} invalid={!!err('engine.memoryBudgetGB')} onChange={(v) => eng('memoryBudgetGB', v)} />
        </Row>
      </Section>

      <Section id="logging" title="Logging">
        <Row label="Log level" htmlFor="logLevel" help={paths ? <>Logs are written to <span className="font-mono">{paths.logsDir}</span></> : undefined} error={err('logLevel')}>
          <ChoiceField id="logLevel" value={draft.logLevel} options={LOG_LEVELS} invalid={!!err('logLevel')} onChange={(v) => edit((d) => ({ ...d, logLevel: v as LogLevel }))} />
        </Row>
      </Section>

      {paths && (
        <Section id="about" title="About" description={version ? `DreamLayer ${version.version} · ${version.os}/${version.arch} · ${version.goVersion}` : undefined}>
          <div className="py-1.5">
            <PathLine label="Settings file" value={paths.settingsPath} />
            <PathLine label="Data folder" value={paths.dataDir} />
            <PathLine label="Logs" value={paths.logsDir} />
            <PathLine label="Cache" value={paths.cacheDir} />
          </div>
        </Section>
      )}
    </div>
  )
}

export function SettingsPage() {
  const draft = useSettingsStore((s) => s.draft)
  const dirty = useSettingsStore(isDirty)
  const saving = useSettingsStore((s) => s.saving)
  const loadError = useSettingsStore((s) => s.loadError)
  const errors = useSettingsStore((s) => s.saveErrors)
  const saveDraft = useSettingsStore((s) => s.saveDraft)
  const resetDraft = useSettingsStore((s) => s.resetDraft)
  const load = useSettingsStore((s) => s.load)
  const fieldErrorCount = errors ? Object.keys(errors.fields).length : 0

  const save = async () => {
    if (await saveDraft()) notify.success('Settings saved')
    else notify.error('Settings were not saved — see the highlighted fields')
  }

  return (
    <div data-testid="page-settings" className="relative">
      <div className="sticky top-0 z-10 border-b bg-background/85 backdrop-blur">
        <div className="mx-auto flex max-w-3xl items-center gap-3 px-6 py-2.5">
          <div className="min-w-0 flex-1 text-[12.5px] text-muted-foreground">
            {errors && (fieldErrorCount > 0 || errors.general.length > 0) ? (
              <span className="inline-flex items-center gap-1.5 text-destructive">
                <AlertCircle className="size-4" />
                {fieldErrorCount > 0 ? `${fieldErrorCount} ${fieldErrorCount === 1 ? 'field needs' : 'fields need'} attention` : 'Not saved'}
              </span>
            ) : dirty ? (
              <span className="inline-flex items-center gap-1.5 text-foreground">
                <span className="size-1.5 rounded-full bg-primary" />
                Unsaved changes
              </span>
            ) : (
              'All changes saved'
            )}
          </div>
          <Button variant="ghost" onClick={resetDraft} disabled={!dirty || saving}>
            <RotateCcw />
            Discard
          </Button>
          <Button data-testid="settings-save" onClick={() => void save()} disabled={!dirty || saving}>
            {saving && <Loader2 className="animate-spin" />}
            Save changes
          </Button>
        </div>
      </div>
      <div className="mx-auto max-w-3xl px-6 py-6">
        {errors && errors.general.length > 0 && (
          <div role="alert" className="mb-6 rounded-lg border border-destructive/30 bg-destructive/10 px-3 py-2 text-[13px] text-destructive">
            {errors.general.map((g) => (
              <div key={g}>{g}</div>
            ))}
          </div>
        )}
        {loadError ? (
          <div role="alert" className="rounded-lg border border-destructive/30 bg-destructive/10 p-4 text-[13px]">
            <div className="font-medium text-destructive">Could not load settings</div>
            <div className="mt-1 text-muted-foreground">{loadError}</div>
            <Button variant="secondary" size="sm" className="mt-3" onClick={() => void load()}>
              Try again
            </Button>
          </div>
        ) : draft ? (
          <Form draft={draft} />
        ) : (
          <SettingsSkeleton />
        )}
      </div>
    </div>
  )
}
