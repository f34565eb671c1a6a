import { useEffect, useState } from 'react'
import { setWindowTheme } from '@/lib/api'
import type { Theme } from '@/lib/types'
import { useSettingsStore } from '@/stores/settings'

const QUERY = '(prefers-color-scheme: dark)'

function systemPrefersDark(): boolean {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' && window.matchMedia(QUERY).matches
}

/**
 * Applies the theme from settings to the document ("system" follows the OS and
 * tracks its changes live) and returns the theme actually shown.
 */
export function useAppliedTheme(): 'light' | 'dark' {
  const theme: Theme = useSettingsStore((s) => s.settings?.theme ?? 'system')
  const [systemDark, setSystemDark] = useState(systemPrefersDark)

  useEffect(() => {
    if (typeof window.matchMedia !== 'function') return
    const mq = window.matchMedia(QUERY)
    const onChange = (e: MediaQueryListEvent) => setSystemDark(e.matches)
    mq.addEventListener('change', onChange)
    return () => mq.removeEventListener('change', onChange)
  }, [])

  const resolved = theme === 'system' ? (systemDark ? 'dark' : 'light') : theme

  useEffect(() => {
    const root = document.documentElement
    root.classList.toggle('dark', resolved === 'dark')
    root.style.colorScheme = resolved
    setWindowTheme(theme)
  }, [resolved, theme])

  return resolved
}
