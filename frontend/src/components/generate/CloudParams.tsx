// The Generate form for a cloud model: only the controls its capabilities
// name (size or aspect ratio, image count, seed, the provider's options).
import { Input } from '@/components/ui/input'
import { Switch } from '@/components/ui/switch'
import type { CloudChoice } from '@/lib/cloud'
import type { GenForm } from '@/lib/generate'
import type { CloudModel, CloudOption } from '@/lib/types'
import { Card, FieldLabel, NumberBox, SelectField } from './controls'

function OptionField({ option, value, onChange }: { option: CloudOption; value: string; onChange: (v: string) => void }) {
  const testId = `cloud-option-${option.key}`
  const help = option.help ? <p className="mt-1 text-[11px] text-muted-foreground">{option.help}</p> : null
  switch (option.kind) {
    case 'enum':
      return (
        <div>
          <SelectField label={option.label} testId={testId} value={value} onChange={onChange} options={(option.values ?? []).map((v) => ({ id: v, label: v }))} />
          {help}
        </div>
      )
    case 'bool':
      return (
        <div>
          <div className="flex items-center justify-between gap-2">
            <label htmlFor={testId} className="text-[12px] font-medium text-muted-foreground">
              {option.label}
            </label>
            <Switch id={testId} data-testid={testId} checked={value === 'true'} onCheckedChange={(on) => onChange(on ? 'true' : 'false')} />
          </div>
          {help}
        </div>
      )
    case 'int':
    case 'float':
      return (
        <div>
          <FieldLabel htmlFor={testId}>{option.label}</FieldLabel>
          <NumberBox
            id={testId}
            value={value === '' ? (option.min ?? 0) : Number(value)}
            onChange={(n) => onChange(String(option.kind === 'int' ? Math.round(n) : n))}
            min={option.min}
            max={option.max}
            step={option.kind === 'int' ? 1 : 0.01}
            aria-label={option.label}
            data-testid={testId}
            className="w-full text-left"
          />
          {help}
        </div>
      )
    default:
      return (
        <div>
          <FieldLabel htmlFor={testId}>{option.label}</FieldLabel>
          <Input id={testId} data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)} className="h-8 text-[12.5px]" />
          {help}
        </div>
      )
  }
}

export function CloudParams({
  model,
  choice,
  form,
  set,
  seedField,
}: {
  model: CloudModel
  choice: CloudChoice
  form: GenForm
  set: (p: Partial<GenForm>) => void
  seedField: React.ReactNode
}) {
  const caps = model.capabilities
  const sizes = caps.sizes ?? []
  const ratios = caps.aspectRatios ?? []
  const setChoice = (p: Partial<CloudChoice>) => set({ cloud: { ...choice, ...p } })
  const maxImages = Math.max(1, caps.maxImages)
  return (
    <Card className="space-y-3.5" data-testid="cloud-params">
      {sizes.length > 0 ? (
        <SelectField label="Size" testId="cloud-size" value={choice.size} onChange={(size) => setChoice({ size })} options={sizes.map((s) => ({ id: s, label: s.replace('x', '×') }))} />
      ) : ratios.length > 0 ? (
        <SelectField label="Aspect ratio" testId="cloud-aspect" value={choice.aspectRatio} onChange={(aspectRatio) => setChoice({ aspectRatio })} options={ratios.map((r) => ({ id: r, label: r }))} />
      ) : null}
      <div>
        <FieldLabel>Images</FieldLabel>
        <NumberBox
          value={Math.min(form.batchSize, maxImages)}
          onChange={(n) => set({ batchSize: Math.min(maxImages, Math.max(1, Math.round(n))) })}
          min={1}
          max={maxImages}
          aria-label="Images"
          data-testid="cloud-images"
          className="w-full text-left"
        />
      </div>
      {caps.seed && seedField}
      {(caps.options ?? []).map((o) => (
        <OptionField key={o.key} option={o} value={choice.options[o.key] ?? o.default ?? ''} onChange={(v) => setChoice({ options: { ...choice.options, [o.key]: v } })} />
      ))}
    </Card>
  )
}
