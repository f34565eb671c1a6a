import { ArrowLeftRight, Dices, Recycle } from 'lucide-react'
import { useMemo } from 'react'
import { ModelPicker } from '@/components/ModelPicker'
import { Button } from '@/components/ui/button'
import { Tip } from '@/components/ui/tooltip'
import { aspectLabel, type GenForm, sizePresets } from '@/lib/generate'
import { FAMILY_LABEL } from '@/lib/models'
import { SAMPLERS, SCHEDULERS } from '@/lib/samplers'
import { cn } from '@/lib/utils'
import { useCatalogStore } from '@/stores/catalog'
import { type GenTab, useGenerateStore, useGenForm } from '@/stores/generate'
import { useCloudStore } from '@/stores/cloud'
import { useSettingsStore } from '@/stores/settings'
import { CloudParams } from './CloudParams'
import { Card, Disclosure, FieldLabel, NumberBox, SelectField, SliderField } from './controls'

const AUTO_VAE = '__automatic__'
const NO_REFINER = '__none__'

function SizeField({ form, set }: { form: GenForm; set: (p: Partial<GenForm>) => void }) {
  const models = useCatalogStore((s) => s.models)
  const checkpointId = useSettingsStore((s) => s.settings?.generation.checkpoint ?? '')
  const family = models.find((m) => m.id === checkpointId)?.family
  const presets = sizePresets(family)
  return (
    <div>
      <FieldLabel aside={<span className="text-[11px] text-muted-foreground">{aspectLabel(form.width, form.height)}</span>}>Size</FieldLabel>
      <div className="flex items-center gap-1.5">
        <NumberBox value={form.width} onChange={(width) => set({ width })} min={64} max={4096} step={8} aria-label="Width" data-testid="width-input" className="w-full flex-1 text-left" />
        <Tip label="Swap width and height">
          <Button variant="ghost" size="icon-sm" aria-label="Swap width and height" data-testid="swap-size" onClick={() => set({ width: form.height, height: form.width })}>
            <ArrowLeftRight />
          </Button>
        </Tip>
        <NumberBox value={form.height} onChange={(height) => set({ height })} min={64} max={4096} step={8} aria-label="Height" data-testid="height-input" className="w-full flex-1 text-left" />
      </div>
      <div className="mt-2 flex flex-wrap gap-1" aria-label={`Sizes for ${family ? FAMILY_LABEL[family] : 'SD 1.x'}`}>
        {presets.map((p) => {
          const active = p.width === form.width && p.height === form.height
          const r = p.width / p.height
          return (
            <button
              key={`${p.width}x${p.height}`}
              type="button"
              onClick={() => set({ width: p.width, height: p.height })}
              data-testid="size-preset"
              className={cn(
                'flex h-7 items-center gap-1.5 rounded-md border px-2 text-[11.5px] tabular-nums text-muted-foreground transition-colors hover:bg-accent hover:text-foreground',
                active && 'border-primary/50 bg-primary/10 text-foreground',
              )}
            >
              <span
                aria-hidden
                className={cn('inline-block rounded-[2px] border border-current', active && 'border-primary')}
                style={{ width: r >= 1 ? 12 : 12 * r, height: r >= 1 ? 12 / r : 12 }}
              />
              {p.width}×{p.height}
            </button>
          )
        })}
      </div>
    </div>
  )
}

function SeedField({ form, set, lastSeed }: { form: GenForm; set: (p: Partial<GenForm>) => void; lastSeed: number | null }) {
  return (
    <div>
      <FieldLabel>Seed</FieldLabel>
      <div className="flex items-center gap-1.5">
        <NumberBox value={form.seed} onChange={(seed) => set({ seed: Math.trunc(seed) })} min={-1} aria-label="Seed" data-testid="seed-input" className="w-full flex-1 text-left" />
        <Tip label="Random seed (-1)">
          <Button variant="ghost" size="icon-sm" aria-label="Random seed" data-testid="seed-random" onClick={() => set({ seed: -1 })}>
            <Dices />
          </Button>
        </Tip>
        <Tip label={lastSeed === null ? 'No image yet' : `Reuse the last seed (${lastSeed})`}>
          <span>
            <Button variant="ghost" size="icon-sm" aria-label="Reuse the last seed" data-testid="seed-reuse" disabled={lastSeed === null} onClick={() => lastSeed !== null && set({ seed: lastSeed })}>
              <Recycle />
            </Button>
          </span>
        </Tip>
      </div>
    </div>
  )
}

export function ParamsPanel({ tab, lastSeed }: { tab: GenTab; lastSeed: number | null }) {
  const form = useGenForm(tab)
  const update = useGenerateStore((s) => s.update)
  const set = (p: Partial<GenForm>) => update(tab, p)
  const models = useCatalogStore((s) => s.models)
  const vaes = useMemo(() => models.filter((m) => m.kind === 'vae'), [models])
  const checkpoints = useMemo(() => models.filter((m) => m.kind === 'checkpoint' && m.status === 'ok'), [models])
  const refiners = useMemo(
    () => [...checkpoints].sort((a, b) => Number(b.family === 'sdxl-refiner') - Number(a.family === 'sdxl-refiner')),
    [checkpoints],
  )
  const cloudModels = useCloudStore((s) => s.models)
  const choice = form.cloud ?? null

  if (choice) {
    const model = cloudModels.find((m) => m.provider === choice.provider && m.id === choice.model)
    return (
      <div className="space-y-3">
        <Card className="space-y-3">
          <div>
            <FieldLabel>Model</FieldLabel>
            <ModelPicker className="w-full" tab={tab} />
          </div>
          {!model && <p className="text-[12px] text-muted-foreground">This cloud model is not available; choose another.</p>}
          {model?.locked && <p className="text-[12px] text-warning">No key is set for this provider. Add one in Settings → API keys.</p>}
        </Card>
        {model && <CloudParams model={model} choice={choice} form={form} set={set} seedField={<SeedField form={form} set={set} lastSeed={lastSeed} />} />}
      </div>
    )
  }

  return (
    <div className="space-y-3">
      <Card className="space-y-3">
        <div>
          <FieldLabel>Checkpoint</FieldLabel>
          <ModelPicker className="w-full" tab={tab} />
        </div>
        <SelectField
          label="VAE"
          testId="vae-select"
          value={form.vae || AUTO_VAE}
          onChange={(v) => set({ vae: v === AUTO_VAE ? '' : v })}
          options={[{ id: AUTO_VAE, label: 'Automatic' }, ...vaes.map((m) => ({ id: m.id, label: m.name, hint: FAMILY_LABEL[m.family] }))]}
        />
      </Card>

      <Card className="space-y-3.5">
        <div className="grid grid-cols-2 gap-2.5">
          <SelectField label="Sampler" testId="sampler-select" value={form.sampler} onChange={(sampler) => set({ sampler })} options={SAMPLERS} />
          <SelectField label="Schedule" testId="scheduler-select" value={form.scheduler} onChange={(scheduler) => set({ scheduler })} options={SCHEDULERS} />
        </div>
        <SliderField label="Steps" value={form.steps} onChange={(steps) => set({ steps: Math.round(steps) })} min={1} max={150} testId="steps-input" />
        <SliderField label="CFG scale" value={form.cfgScale} onChange={(cfgScale) => set({ cfgScale })} min={1} max={30} step={0.5} testId="cfg-input" />
        <SizeField form={form} set={set} />
        <SeedField form={form} set={set} lastSeed={lastSeed} />
        <div className="grid grid-cols-3 gap-2.5">
          <div>
            <FieldLabel>Batch count</FieldLabel>
            <NumberBox value={form.batchCount} onChange={(batchCount) => set({ batchCount: Math.round(batchCount) })} min={1} max={100} aria-label="Batch count" data-testid="batch-count" className="w-full text-left" />
          </div>
          <div>
            <FieldLabel>Batch size</FieldLabel>
            <NumberBox value={form.batchSize} onChange={(batchSize) => set({ batchSize: Math.round(batchSize) })} min={1} max={16} aria-label="Batch size" data-testid="batch-size" className="w-full text-left" />
          </div>
          <div>
            <FieldLabel>Clip skip</FieldLabel>
            <NumberBox value={form.clipSkip} onChange={(clipSkip) => set({ clipSkip: Math.round(clipSkip) })} min={1} max={12} aria-label="Clip skip" data-testid="clip-skip" className="w-full text-left" />
          </div>
        </div>
      </Card>

      <div className="space-y-2">
        <Disclosure title="Extra" summary={form.subseedStrength > 0 ? `variation ${form.subseedStrength}` : 'variation seed'} testId="extra-disclosure">
          <div>
            <FieldLabel>Variation seed</FieldLabel>
            <NumberBox value={form.subseed} onChange={(subseed) => set({ subseed: Math.trunc(subseed) })} min={-1} aria-label="Variation seed" data-testid="subseed-input" className="w-full text-left" />
          </div>
          <SliderField label="Variation strength" value={form.subseedStrength} onChange={(subseedStrength) => set({ subseedStrength })} min={0} max={1} step={0.01} testId="subseed-strength" />
        </Disclosure>
        {tab === 'txt2img' && (
          <Disclosure
            title="Hires fix"
            summary={form.hiresEnabled ? `${form.hires.scale}× · ${form.width * form.hires.scale}×${form.height * form.hires.scale}` : undefined}
            enabled={form.hiresEnabled}
            onToggle={(hiresEnabled) => set({ hiresEnabled })}
            testId="hires-disclosure"
          >
            <SliderField label="Upscale by" value={form.hires.scale} onChange={(scale) => set({ hires: { ...form.hires, scale } })} min={1} max={4} step={0.05} />
            <SelectField
              label="Upscaler"
              value={form.hires.upscaler}
              onChange={(v) => set({ hires: { ...form.hires, upscaler: v === 'lanczos' ? 'lanczos' : 'latent' } })}
              options={[
                { id: 'latent', label: 'Latent' },
                { id: 'lanczos', label: 'Lanczos' },
              ]}
            />
            <SliderField label="Hires steps" value={form.hires.steps} onChange={(steps) => set({ hires: { ...form.hires, steps: Math.round(steps) } })} min={0} max={150} hint={<span className="text-[11px] text-muted-foreground">0 = same as sampling</span>} />
            <SliderField label="Denoising strength" value={form.hires.denoise} onChange={(denoise) => set({ hires: { ...form.hires, denoise } })} min={0} max={1} step={0.01} />
          </Disclosure>
        )}
        <Disclosure
          title="Refiner"
          summary={form.refinerEnabled && form.refinerModel ? `switch at ${form.refinerSwitchAt}` : undefined}
          enabled={form.refinerEnabled}
          onToggle={(refinerEnabled) => set({ refinerEnabled })}
          testId="refiner-disclosure"
        >
          <SelectField
            label="Refiner checkpoint"
            value={form.refinerModel || NO_REFINER}
            onChange={(v) => set({ refinerModel: v === NO_REFINER ? '' : v })}
            options={[{ id: NO_REFINER, label: 'None' }, ...refiners.map((m) => ({ id: m.id, label: m.name, hint: FAMILY_LABEL[m.family] }))]}
          />
          <SliderField label="Switch at" value={form.refinerSwitchAt} onChange={(refinerSwitchAt) => set({ refinerSwitchAt })} min={0.01} max={1} step={0.01} />
        </Disclosure>
      </div>
    </div>
  )
}
