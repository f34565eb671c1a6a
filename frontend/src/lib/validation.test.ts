import { describe, expect, it } from 'vitest'
import { parseSettingsError } from './validation'

describe('parseSettingsError', () => {
  it.each([
    ['invalid settings: generation.steps: 0 is out of range 1–150', 'generation.steps', '0 is out of range 1–150'],
    ['generation.cfgScale: 31 is out of range 0–30', 'generation.cfgScale', '31 is out of range 0–30'],
    ['modelsRoot: "rel/dir" must be an absolute path', 'modelsRoot', '"rel/dir" must be an absolute path'],
    ['extraModelRoots[2]: "x" must be an absolute path', 'extraModelRoots', '"x" must be an absolute path'],
    ['engine.idleTimeoutMinutes: 9999 is out of range 0–1440', 'engine.idleTimeoutMinutes', '9999 is out of range 0–1440'],
    ['steps must be positive', 'generation.steps', 'steps must be positive'],
  ] as const)('maps %j to %s', (message, field, text) => {
    const out = parseSettingsError(message)
    expect(out.fields[field]).toBe(text)
    expect(out.general).toEqual([])
  })

  it('splits joined errors and keeps unknown ones as general', () => {
    const out = parseSettingsError(
      'invalid settings: generation.width: 500 is not a multiple of 8\ngeneration.height: 10 is out of range 64–4096\nsave settings: disk full',
    )
    expect(out.fields['generation.width']).toBe('500 is not a multiple of 8')
    expect(out.fields['generation.height']).toBe('10 is out of range 64–4096')
    expect(out.general).toEqual(['save settings: disk full'])
  })
})
