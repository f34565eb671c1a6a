import { Badge, type BadgeTone } from '@/components/ui/badge'
import { baseFamily, FAMILY_LABEL } from '@/lib/models'
import type { Model, ModelFamily } from '@/lib/types'

/** One tone per base family; variants share their base's tone so they read as one group. */
const BASE_TONE: Partial<Record<ModelFamily, BadgeTone>> = {
  sd1: 'sky',
  sd2: 'teal',
  sdxl: 'violet',
  'sdxl-refiner': 'fuchsia',
  sd3: 'orange',
  flux: 'amber',
}

export function familyTone(family: ModelFamily): BadgeTone {
  return BASE_TONE[baseFamily(family)] ?? 'neutral'
}

export function FamilyBadge({ family }: { family: ModelFamily }) {
  return (
    <Badge tone={familyTone(family)} data-family={family}>
      {FAMILY_LABEL[family]}
    </Badge>
  )
}

/**
 * Family badge plus the variant markers that change how a model is used, where the family label does
 * not already say them ("SD 1.x Inpaint" needs no "inpaint" marker; a v-prediction inpainting model
 * still gets "v-pred").
 */
export function ModelBadges({ model }: { model: Pick<Model, 'family' | 'inpaint' | 'vPrediction'> }) {
  const says = model.family.endsWith('-inpaint') ? 'inpaint' : model.family.endsWith('-v') ? 'v' : ''
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <FamilyBadge family={model.family} />
      {model.inpaint && says !== 'inpaint' && <Badge tone="neutral">inpaint</Badge>}
      {model.vPrediction && says !== 'v' && <Badge tone="neutral">v-pred</Badge>}
    </span>
  )
}
