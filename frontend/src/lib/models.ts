import type { ModelFamily, ModelKind } from './types'

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
  sd2: 'SD 2.x',
  sdxl: 'SDXL',
  sdxl_refiner: 'SDXL Refiner',
  sd3: 'SD 3',
  flux: 'FLUX',
  unknown: 'Unknown',
}

/** Display order of families in pickers and filters. */
export const FAMILY_ORDER: readonly ModelFamily[] = ['sdxl', 'sdxl_refiner', 'sd1', 'sd2', 'sd3', 'flux', 'unknown']

/** AutoV2 is the first 10 hex digits of the SHA-256, as Civitai and A1111 show it. */
export function shortHash(autoV2: string, sha256: string): string {
  if (autoV2) return autoV2.slice(0, 10).toLowerCase()
  return sha256.slice(0, 10).toLowerCase()
}
