// Cloud models in the Generate form: provider labels, picker groups and the
// choice a form holds (model, size or aspect ratio, options). Pure, so the
// request a cloud model gets is tested without React.
import type { CloudCapabilities, CloudModel, Provider } from './types'

export const PROVIDER_ORDER: Provider[] = ['openai', 'ideogram', 'bfl']

export const PROVIDER_LABEL: Record<Provider, string> = {
  openai: 'OpenAI',
  ideogram: 'Ideogram',
  bfl: 'FLUX (Black Forest Labs)',
}

/** What the form keeps once a cloud model is picked; null means a local checkpoint. */
export interface CloudChoice {
  provider: Provider
  model: string
  size: string
  aspectRatio: string
  options: Record<string, string>
}

/** The picker's value for a cloud model; local checkpoints use their catalog id. */
export function cloudValue(provider: string, id: string): string {
  return `cloud:${provider}:${id}`
}

export function parseCloudValue(v: string): { provider: Provider; id: string } | null {
  const m = /^cloud:([a-z]+):(.+)$/.exec(v)
  if (!m || !PROVIDER_ORDER.includes(m[1] as Provider)) return null
  return { provider: m[1] as Provider, id: m[2] ?? '' }
}

/** Cloud models grouped by provider in display order; unknown providers are left out. */
export function groupCloudModels(models: CloudModel[]): [Provider, CloudModel[]][] {
  return PROVIDER_ORDER.map((p) => [p, models.filter((m) => m.provider === p)] as [Provider, CloudModel[]]).filter(
    ([, list]) => list.length > 0,
  )
}

/** Whether the model can serve the tab: Txt2Img needs text-to-image, Img2Img needs edits. */
export function servesTab(caps: CloudCapabilities, tab: 'txt2img' | 'img2img'): boolean {
  return tab === 'txt2img' ? caps.textToImage : caps.imageEdit
}

/** The option values a model starts with: each option's default where it has one. */
export function defaultOptions(caps: CloudCapabilities): Record<string, string> {
  const out: Record<string, string> = {}
  for (const o of caps.options ?? []) if (o.default !== undefined && o.default !== '') out[o.key] = o.default
  return out
}

/**
 * The choice for a newly picked model. A previous choice's size, aspect ratio
 * and option values carry over where the new model accepts them.
 */
export function choiceFor(m: CloudModel, prev: CloudChoice | null | undefined): CloudChoice {
  const caps = m.capabilities
  const sizes = caps.sizes ?? []
  const ratios = caps.aspectRatios ?? []
  const options = defaultOptions(caps)
  for (const o of caps.options ?? []) {
    const v = prev?.options[o.key]
    if (v !== undefined && (o.kind !== 'enum' || (o.values ?? []).includes(v))) options[o.key] = v
  }
  return {
    provider: m.provider,
    model: m.id,
    size: prev && sizes.includes(prev.size) ? prev.size : (sizes[0] ?? ''),
    aspectRatio: prev && ratios.includes(prev.aspectRatio) ? prev.aspectRatio : (ratios[0] ?? ''),
    options,
  }
}

/** Options the model declares, with empty values dropped so the provider's default applies. */
export function requestOptions(caps: CloudCapabilities, values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const o of caps.options ?? []) {
    const v = values[o.key] ?? o.default ?? ''
    if (v !== '') out[o.key] = v
  }
  return out
}

/** A size the model takes, "1024x1024" → 1024 × 1024; zeros when it is not one. */
export function parseSize(size: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(size)
  return m ? { width: Number(m[1]), height: Number(m[2]) } : { width: 0, height: 0 }
}
