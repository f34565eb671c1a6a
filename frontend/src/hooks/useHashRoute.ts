import { useCallback, useEffect, useState } from 'react'

export const ROUTES = ['generate', 'workflows', 'pnginfo', 'models', 'gallery', 'stats', 'settings'] as const
export type Route = (typeof ROUTES)[number]

const DEFAULT_ROUTE: Route = 'generate'

function parse(hash: string): Route {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? ''
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : DEFAULT_ROUTE
}

/** Moves to a page from anywhere (a store action's caller, a menu); useHashRoute follows. */
export function goTo(r: Route): void {
  window.location.hash = `#/${r}`
}

/** The current page, kept in location.hash so reloads and deep links work. */
export function useHashRoute(): [Route, (r: Route) => void] {
  const [route, setRoute] = useState<Route>(() => parse(window.location.hash))
  useEffect(() => {
    const onHash = () => setRoute(parse(window.location.hash))
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])
  const navigate = useCallback((r: Route) => {
    goTo(r)
    setRoute(r)
  }, [])
  return [route, navigate]
}
