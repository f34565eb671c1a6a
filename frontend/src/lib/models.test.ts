import { describe, expect, it } from 'vitest'
import { baseFamily, FAMILY_LABEL, FAMILY_ORDER } from './models'
import { MODEL_FAMILIES } from './types'

describe('family labels', () => {
  it('names every family the catalog reports, variants included', () => {
    expect(FAMILY_LABEL['sd1']).toBe('SD 1.x')
    expect(FAMILY_LABEL['sd1-inpaint']).toBe('SD 1.x Inpaint')
    expect(FAMILY_LABEL['sd2-v']).toBe('SD 2.x v')
    expect(FAMILY_LABEL['sdxl-refiner']).toBe('SDXL Refiner')
    expect(FAMILY_LABEL['flux-inpaint']).toBe('FLUX Fill')
    const labels = MODEL_FAMILIES.map((f) => FAMILY_LABEL[f])
    expect(new Set(labels).size).toBe(MODEL_FAMILIES.length)
  })

  it('orders every family once, variants right after their base', () => {
    expect([...FAMILY_ORDER].sort()).toEqual([...MODEL_FAMILIES].sort())
    for (const f of MODEL_FAMILIES) {
      const base = baseFamily(f)
      if (base !== f) expect(FAMILY_ORDER.indexOf(f)).toBeGreaterThan(FAMILY_ORDER.indexOf(base))
    }
  })

  it('maps variants to the base family LoRAs and embeddings are labelled with', () => {
    expect(baseFamily('sd1-inpaint')).toBe('sd1')
    expect(baseFamily('sd2-v')).toBe('sd2')
    expect(baseFamily('sdxl-v')).toBe('sdxl')
    expect(baseFamily('flux-inpaint')).toBe('flux')
    expect(baseFamily('sdxl-refiner')).toBe('sdxl-refiner')
    expect(baseFamily('unknown')).toBe('unknown')
  })
})
