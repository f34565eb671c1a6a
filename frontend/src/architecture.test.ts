import { describe, expect, it } from 'vitest'

// Every source file's text, collected by Vite at build time of the test.
const sources = import.meta.glob<string>(['./**/*.{ts,tsx}', '!./**/*.test.{ts,tsx}'], {
  query: '?raw',
  import: 'default',
  eager: true,
})

const importsOf = (text: string) => [...text.matchAll(/(?:import|from)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '')

describe('architecture', () => {
  it('finds the sources it checks', () => {
    expect(Object.keys(sources).some((p) => p.startsWith('./components/'))).toBe(true)
    expect(Object.keys(sources).some((p) => p.startsWith('./pages/'))).toBe(true)
    expect(sources['./lib/api.ts']).toBeDefined()
  })

  it('keeps the Wails bindings out of components and pages', () => {
    const offenders = Object.entries(sources)
      .filter(([path]) => path.startsWith('./components/') || path.startsWith('./pages/'))
      .filter(([, text]) => importsOf(text).some((i) => i.includes('wailsjs')))
      .map(([path]) => path)
    expect(offenders).toEqual([])
  })

  it('lets only lib/api.ts import the bindings', () => {
    const importers = Object.entries(sources)
      .filter(([, text]) => importsOf(text).some((i) => i.includes('wailsjs')))
      .map(([path]) => path)
    expect(importers).toEqual(['./lib/api.ts'])
  })

  it('spells event names only in lib/events.ts', () => {
    const names = ['catalog:changed', 'jobs:changed', 'jobs:progress', 'jobs:reordered', 'settings:changed', 'gallery:changed', 'app:notice']
    const offenders = Object.entries(sources)
      .filter(([path]) => path !== './lib/events.ts')
      .filter(([, text]) => names.some((n) => text.includes(`'${n}'`) || text.includes(`"${n}"`)))
      .map(([path]) => path)
    expect(offenders).toEqual([])
  })

  it('has the import scanner catch a bindings import', () => {
    expect(importsOf("import { X } from '../../wailsjs/go/main/App'")).toContain('../../wailsjs/go/main/App')
    expect(importsOf("const m = await import('../wailsjs/runtime/runtime')")).toContain('../wailsjs/runtime/runtime')
  })
})
