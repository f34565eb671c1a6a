import { MODEL_FAMILIES, type ModelFamily, type ModelKind } from './types'

export interface KindInfo {
  kind: ModelKind
  label: string
  /** One model of this kind, for table cells. */
  singular: string
  /** Folder under the models root (ComfyUI name) where files of this kind go. */
  folder: string
}

export const KIND_INFO: readonly KindInfo[] = [
  { kind: 'checkpoint', singular: 'Checkpoint', label: 'Checkpoints', folder: 'checkpoints' },
  { kind: 'lora', singular: 'LoRA', label: 'LoRA', folder: 'loras' },
  { kind: 'vae', singular: 'VAE', label: 'VAE', folder: 'vae' },
  { kind: 'controlnet', singular: 'ControlNet', label: 'ControlNet', folder: 'controlnet' },
  { kind: 'upscaler', singular: 'Upscaler', label: 'Upscalers', folder: 'upscale_models' },
  { kind: 'embedding', singular: 'Embedding', label: 'Embeddings', folder: 'embeddings' },
  { kind: 'taesd', singular: 'TAESD', label: 'TAESD', folder: 'taesd' },
  { kind: 'text_encoder', singular: 'Text encoder', label: 'Text encoders', folder: 'clip' },
  { kind: 'unet', singular: 'UNet', label: 'UNet', folder: 'unet' },
]

export const FAMILY_LABEL: Record<ModelFamily, string> = {
  sd1: 'SD 1.x',
  'sd1-inpaint': 'SD 1.x Inpaint',
  'sd1-v': 'SD 1.x v',
  sd2: 'SD 2.x',
  'sd2-inpaint': 'SD 2.x Inpaint',
  'sd2-v': 'SD 2.x v',
  sdxl: 'SDXL',
  'sdxl-inpaint': 'SDXL Inpaint',
  'sdxl-v': 'SDXL v',
  'sdxl-refiner': 'SDXL Refiner',
  sd3: 'SD 3',
  flux: 'FLUX',
  'flux-inpaint': 'FLUX Fill',
  unknown: 'Unknown',
}

/** Display order of families in pickers and filters: variants follow their base family. */
export const FAMILY_ORDER: readonly ModelFamily[] = [
  'sdxl',
  'sdxl-v',
  'sdxl-inpaint',
  'sdxl-refiner',
  'sd1',
  'sd1-v',
  'sd1-inpaint',
  'sd2',
  'sd2-v',
  'sd2-inpaint',
  'sd3',
  'flux',
  'flux-inpaint',
  'unknown',
]

/**
 * The base family of a variant ("sd1-inpaint" → "sd1"), which is what LoRAs, embeddings and
 * ControlNets are labelled with. The SDXL refiner is a base family of its own.
 */
export function baseFamily(f: ModelFamily): ModelFamily {
  const base = f.replace(/-(inpaint|v)$/, '')
  return (MODEL_FAMILIES as readonly string[]).includes(base) ? (base as ModelFamily) : f
}

/** AutoV2 is the first 10 hex digits of the SHA-256, as Civitai and A1111 show it. */
export function shortHash(autoV2: string, sha256: string): string {
  if (autoV2) return autoV2.slice(0, 10).toLowerCase()
  return sha256.slice(0, 10).toLowerCase()
}
