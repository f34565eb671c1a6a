import { Badge, type BadgeTone } from '@/components/ui/badge'
import { FAMILY_LABEL } from '@/lib/models'
import type { Model, ModelFamily } from '@/lib/types'

const FAMILY_TONE: Record<ModelFamily, BadgeTone> = {
  sd1: 'sky',
  sd2: 'teal',
  sdxl: 'violet',
  sdxl_refiner: 'fuchsia',
  sd3: 'orange',
  flux: 'amber',
  unknown: 'neutral',
}

export function FamilyBadge({ family }: { family: ModelFamily }) {
  return (
    <Badge tone={FAMILY_TONE[family]} data-family={family}>
      {FAMILY_LABEL[family]}
    </Badge>
  )
}

/** Family badge plus the variant markers that change how a model is used. */
export function ModelBadges({ model }: { model: Pick<Model, 'family' | 'inpaint' | 'vPrediction'> }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <FamilyBadge family={model.family} />
      {model.inpaint && <Badge tone="neutral">inpaint</Badge>}
      {model.vPrediction && <Badge tone="neutral">v-pred</Badge>}
    </span>
  )
}
