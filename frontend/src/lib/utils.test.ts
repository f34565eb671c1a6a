import { describe, expect, it } from 'vitest'
import { jsonEqual } from './equal'
import { errorMessage, formatBytes } from './utils'

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KB'],
    [2_132_000_000, '2.0 GB'],
    [6.94 * 1024 ** 3, '6.9 GB'],
    [163 * 1024 ** 2, '163 MB'],
    [-1, '—'],
  ])('%d → %s', (n, s) => expect(formatBytes(n)).toBe(s))
})

describe('errorMessage', () => {
  it('reads strings, errors and message objects', () => {
    expect(errorMessage('boom')).toBe('boom')
    expect(errorMessage(new Error('bang'))).toBe('bang')
    expect(errorMessage({ message: 'pop' })).toBe('pop')
  })
})

describe('jsonEqual', () => {
  it('ignores key order but not values', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true)
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { a: 1, b: [1, { c: 3 }] })).toBe(false)
    expect(jsonEqual([1, 2], [1, 2, 3])).toBe(false)
    expect(jsonEqual({ a: undefined }, {})).toBe(true)
  })
})
