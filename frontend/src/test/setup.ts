import '@testing-library/jest-dom/vitest'
import { cleanup } from '@testing-library/react'
import { afterEach, beforeEach, vi } from 'vitest'
import { initialAppState, useAppStore } from '@/stores/app'
import { initialCatalogState, useCatalogStore } from '@/stores/catalog'
import { initialCloudState, useCloudStore } from '@/stores/cloud'
import { initialGalleryState, useGalleryStore } from '@/stores/gallery'
import { initialGenerateState, useGenerateStore } from '@/stores/generate'
import { initialJobsState, useJobsStore } from '@/stores/jobs'
import { initialKeysState, useKeysStore } from '@/stores/keys'
import { initialPNGInfoState, usePNGInfoStore } from '@/stores/pnginfo'
import { initialPromptsState, usePromptsStore } from '@/stores/prompts'
import { initialSettingsState, useSettingsStore } from '@/stores/settings'
import { initialStatsState, useStatsStore } from '@/stores/stats'
import { resetFakeBackend } from './fake-api'

// Tests never touch the generated Wails bindings: the api seam is replaced
// with an in-memory fake for every test file.
vi.mock('@/lib/api', () => import('./fake-api'))

// jsdom lacks a few browser APIs that Radix and the theme hook use.
if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      matches: query.includes('dark'),
      media: query,
      onchange: null,
      addEventListener: () => {},
      removeEventListener: () => {},
      addListener: () => {},
      removeListener: () => {},
      dispatchEvent: () => false,
    }) as MediaQueryList
}
if (!('ResizeObserver' in window)) {
  class RO {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  Object.assign(window, { ResizeObserver: RO })
}
Element.prototype.scrollIntoView ??= function scrollIntoView() {}
Element.prototype.hasPointerCapture ??= function hasPointerCapture() {
  return false
}
Element.prototype.releasePointerCapture ??= function releasePointerCapture() {}

beforeEach(() => {
  resetFakeBackend()
  useAppStore.setState(initialAppState)
  useCatalogStore.setState(initialCatalogState)
  useCloudStore.setState(initialCloudState)
  useGalleryStore.setState(initialGalleryState)
  sessionStorage.clear()
  useGenerateStore.setState(initialGenerateState)
  usePNGInfoStore.setState(initialPNGInfoState)
  useJobsStore.setState(initialJobsState)
  useKeysStore.setState(initialKeysState)
  usePromptsStore.setState(initialPromptsState)
  useSettingsStore.setState(initialSettingsState)
  useStatsStore.setState(initialStatsState)
})

afterEach(() => {
  cleanup()
})
