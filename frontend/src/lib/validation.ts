// The backend validates settings and rejects SaveSettings with a message such
// as "invalid settings: generation.steps: 0 is out of range 1–150" (several
// joined by newlines, as Go's errors.Join writes them). This maps each part to the form field it names so the error
// can be shown beside that field.

/** Settings fields as dotted JSON paths, the way the form and the Go side name them. */
export const SETTINGS_FIELDS = [
  'theme',
  'modelsRoot',
  'extraModelRoots',
  'outputDir',
  'logLevel',
  'engine.device',
  'engine.idleTimeoutMinutes',
  'engine.memoryBudgetGB',
  'generation.checkpoint',
  'generation.sampler',
  'generation.scheduler',
  'generation.steps',
  'generation.cfgScale',
  'generation.width',
  'generation.height',
  'generation.seed',
  'generation.clipSkip',
  'generation.batchSize',
  'comfyui.servers',
] as const
export type SettingsField = (typeof SETTINGS_FIELDS)[number]

export interface ParsedErrors {
  fields: Partial<Record<SettingsField, string>>
  general: string[]
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function leaf(path: string): string {
  const i = path.lastIndexOf('.')
  return i < 0 ? path : path.slice(i + 1)
}

interface Found {
  field: SettingsField
  /** The part without its "field: " prefix, for showing beside the field. */
  text: string
}

function findField(part: string): Found | undefined {
  // A full dotted path is the strongest signal; then the leaf name as a word.
  const candidates = [
    ...SETTINGS_FIELDS.filter((f) => f.includes('.')).map((f) => [f, f] as const),
    ...SETTINGS_FIELDS.map((f) => [f, leaf(f)] as const),
  ]
  for (const [field, name] of candidates) {
    const m = new RegExp(`\\b${escapeRe(name)}\\b(\\[\\d+\\])?(:\\s*)?`, 'i').exec(part)
    if (!m) continue
    const rest = m[2] ? part.slice(m.index + m[0].length).trim() : ''
    return { field, text: rest || part.replace(/^invalid settings:\s*/i, '') }
  }
  return undefined
}

export function parseSettingsError(message: string): ParsedErrors {
  const out: ParsedErrors = { fields: {}, general: [] }
  const parts = message
    .split(/\n|;\s+/)
    .map((p) => p.trim())
    .filter(Boolean)
  for (const part of parts) {
    const found = findField(part)
    if (!found) out.general.push(part.replace(/^invalid settings:\s*/i, ''))
    else if (out.fields[found.field] === undefined) out.fields[found.field] = found.text
    else out.fields[found.field] += `; ${found.text}`
  }
  return out
}
