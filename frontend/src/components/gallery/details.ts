// What the gallery's detail view shows about one image, read from what the
// history stores: the engine's request params (snake_case JSON), the A1111
// "parameters" text the engine also records, and the record's own columns.
import { SAMPLERS, SCHEDULERS } from '@/lib/samplers'
import type { OutputItem, PNGParameters } from '@/lib/types'

export interface ImageDetails {
  prompt: string
  negativePrompt: string
  model: string
  provider: string
  /** Display label, e.g. "Euler a"; '' when unknown. */
  sampler: string
  schedule: string
  steps?: number
  cfgScale?: number
  seed: number
  width: number
  height: number
  clipSkip?: number
  /** Seconds the engine spent on the job; undefined when not recorded. */
  durationS?: number
  path: string
}

// The A1111 text is "prompt\nNegative prompt: …\nSteps: 20, Sampler: Euler a, …";
// bounded so a hostile PNG's huge chunk costs nothing much.
const MAX_PARAMETERS_TEXT = 64 * 1024

/**
 * Reads the "Key: value, Key: value" settings line of A1111 parameters text.
 * Values may be JSON-quoted (A1111 quotes values with commas). Unknown or
 * malformed text gives an empty map, never an error.
 */
export function parseSettingsLine(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  if (typeof text !== 'string' || text === '') return out
  const lines = text.slice(0, MAX_PARAMETERS_TEXT).split('\n')
  const line = [...lines].reverse().find((l) => /^\s*Steps:\s*/.test(l)) ?? ''
  const re = /\s*([\w .\-/()]+?):\s*("(?:\\.|[^"\\])*"|[^,]*)(?:,|$)/g
  for (let m = re.exec(line); m !== null && m[0] !== ''; m = re.exec(line)) {
    const key = (m[1] ?? '').trim()
    let value = (m[2] ?? '').trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      try {
        value = String(JSON.parse(value))
      } catch {
        // A bad escape: keep the text as written.
      }
    }
    if (key) out[key] = value
  }
  return out
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  return undefined
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

function samplerLabel(id: string): string {
  return SAMPLERS.find((s) => s.id === id)?.label ?? id
}

function scheduleLabel(id: string): string {
  return SCHEDULERS.find((s) => s.id === id)?.label ?? id
}

export function imageDetails(item: OutputItem): ImageDetails {
  const p = item.params ?? {}
  const a = parseSettingsLine(str(p.parameters))
  const timings = p.timings && typeof p.timings === 'object' ? (p.timings as Record<string, unknown>) : {}
  const sizeText = /^(\d+)x(\d+)$/.exec(a.Size ?? '')
  return {
    prompt: item.prompt,
    negativePrompt: item.negativePrompt,
    model: item.model || a.Model || '',
    provider: item.provider,
    sampler: str(p.sampler) ? samplerLabel(str(p.sampler)) : (a.Sampler ?? ''),
    schedule: str(p.scheduler) ? scheduleLabel(str(p.scheduler)) : (a['Schedule type'] ?? ''),
    steps: num(p.steps) ?? num(a.Steps),
    cfgScale: num(p.cfg_scale) ?? num(p.cfgScale) ?? num(a['CFG scale']),
    seed: item.seed,
    width: item.width || Number(sizeText?.[1] ?? 0),
    height: item.height || Number(sizeText?.[2] ?? 0),
    clipSkip: num(p.clip_skip) ?? num(a['Clip skip']),
    durationS: num(timings.total_s) ?? num(p.duration_s),
    path: item.path,
  }
}

/** The parameters Txt2Img's "apply parameters" (as PNG Info uses) takes. */
export function toPNGParameters(d: ImageDetails): PNGParameters {
  return {
    prompt: d.prompt,
    negative_prompt: d.negativePrompt,
    steps: d.steps ?? 0,
    sampler: d.sampler,
    schedule: d.schedule,
    cfg_scale: d.cfgScale ?? 0,
    seed: d.seed,
    width: d.width,
    height: d.height,
    model: d.model,
    clip_skip: d.clipSkip,
  }
}

export function formatDuration(s: number | undefined): string {
  if (s === undefined) return ''
  return s < 10 ? `${s.toFixed(2)} s` : s < 120 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`
}
