import { useEffect } from 'react'
import { useAppStore } from '@/stores/app'
import { useCatalogStore } from '@/stores/catalog'
import { useCloudStore } from '@/stores/cloud'
import { useGalleryStore } from '@/stores/gallery'
import { useJobsStore } from '@/stores/jobs'
import { useKeysStore } from '@/stores/keys'
import { useSettingsStore } from '@/stores/settings'

/**
 * Subscribes every store to its backend events for the life of the app and
 * loads the initial state. Subscriptions come first so no change made during
 * the first load is missed; all are released in the cleanup.
 */
export function useBackend(): void {
  useEffect(() => {
    const offs = [
      useAppStore.getState().listen(),
      useSettingsStore.getState().listen(),
      useCatalogStore.getState().listen(),
      useCloudStore.getState().listen(),
      useGalleryStore.getState().listen(),
      useJobsStore.getState().listen(),
    ]
    void useAppStore.getState().load()
    void useSettingsStore.getState().load()
    void useCatalogStore.getState().load()
    void useKeysStore.getState().load()
    void useCloudStore.getState().load()
    void useJobsStore.getState().load()
    return () => offs.forEach((off) => off())
  }, [])
}
