import type { InpaintFill } from '@/lib/types'
import { useGenerateStore, useGenForm } from '@/stores/generate'
import { Card, SelectField, SliderField } from './controls'

const FILLS: readonly { id: InpaintFill; label: string }[] = [
  { id: 'fill', label: 'Fill' },
  { id: 'original', label: 'Original' },
  { id: 'latent_noise', label: 'Latent noise' },
  { id: 'latent_nothing', label: 'Latent nothing' },
]

const AREAS = [
  { id: 'whole', label: 'Whole picture' },
  { id: 'masked', label: 'Only masked' },
] as const

/** The Inpaint tab's mask settings, as A1111 names them. */
export function InpaintOptions() {
  const form = useGenForm('img2img')
  const update = useGenerateStore((s) => s.update)
  // Cloud edits take the mask as it is.
  if (form.cloud) return null
  return (
    <Card className="space-y-3.5" data-testid="inpaint-options">
      <SliderField label="Mask blur" value={form.maskBlur} onChange={(v) => update('img2img', { maskBlur: Math.round(v) })} min={0} max={64} testId="mask-blur" />
      <div className="grid grid-cols-2 gap-2.5">
        <SelectField label="Masked content" value={form.inpaintFill} onChange={(v) => update('img2img', { inpaintFill: v as InpaintFill })} options={FILLS} testId="inpaint-fill" />
        <SelectField
          label="Inpaint area"
          value={form.inpaintOnlyMasked ? 'masked' : 'whole'}
          onChange={(v) => update('img2img', { inpaintOnlyMasked: v === 'masked' })}
          options={AREAS}
          testId="inpaint-area"
        />
      </div>
      {form.inpaintOnlyMasked && (
        <SliderField
          label="Only masked padding"
          value={form.inpaintPadding}
          onChange={(v) => update('img2img', { inpaintPadding: Math.round(v) })}
          min={0}
          max={256}
          step={4}
          testId="inpaint-padding"
          hint={<span className="text-[11px] text-muted-foreground">pixels</span>}
        />
      )}
    </Card>
  )
}
