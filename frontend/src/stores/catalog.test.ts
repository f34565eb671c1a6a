import { describe, expect, it } from 'vitest'
import { EVENTS } from '@/lib/events'
import { backend, emit, listenerCount } from '@/test/fake-api'
import { makeModel } from '@/test/fixtures'
import { useCatalogStore } from './catalog'

describe('catalog store', () => {
  it('loads models sorted by name', async () => {
    backend.models = [makeModel({ name: 'zeta' }), makeModel({ name: 'Alpha' }), makeModel({ name: 'beta' })]
    await useCatalogStore.getState().load()
    expect(useCatalogStore.getState().models.map((m) => m.name)).toEqual(['Alpha', 'beta', 'zeta'])
    expect(useCatalogStore.getState().loaded).toBe(true)
  })

  it('adds, updates and removes rows from catalog:changed events', async () => {
    backend.models = [makeModel({ name: 'one' })]
    await useCatalogStore.getState().load()
    const off = useCatalogStore.getState().listen()

    emit(EVENTS.catalogChanged, { type: 'added', model: makeModel({ name: 'two', hashing: true, sha256: '', autoV2: '' }) })
    expect(useCatalogStore.getState().models.map((m) => m.name)).toEqual(['one', 'two'])

    emit(EVENTS.catalogChanged, { type: 'changed', model: makeModel({ name: 'two', hashing: false, autoV2: '1234567890' }) })
    const two = useCatalogStore.getState().models.find((m) => m.id === 'id-two')
    expect(two?.hashing).toBe(false)
    expect(two?.autoV2).toBe('1234567890')
    expect(useCatalogStore.getState().models).toHaveLength(2)

    emit(EVENTS.catalogChanged, { type: 'removed', model: makeModel({ name: 'one' }) })
    expect(useCatalogStore.getState().models.map((m) => m.name)).toEqual(['two'])

    off()
    expect(listenerCount()).toBe(0)
    emit(EVENTS.catalogChanged, { type: 'added', model: makeModel({ name: 'three' }) })
    expect(useCatalogStore.getState().models.map((m) => m.name)).toEqual(['two'])
  })

  it('keeps the same array when a removed model was never there', () => {
    const before = useCatalogStore.getState().models
    useCatalogStore.getState().applyEvent({ type: 'removed', model: makeModel({ name: 'ghost' }) })
    expect(useCatalogStore.getState().models).toBe(before)
  })

  it('records a load failure', async () => {
    const { api } = await import('@/lib/api')
    vi.mocked(api.listModels).mockRejectedValueOnce(new Error('scan failed: permission denied'))
    await useCatalogStore.getState().load()
    expect(useCatalogStore.getState().error).toBe('scan failed: permission denied')
    expect(useCatalogStore.getState().loaded).toBe(true)
  })
})
