import { useCallback, useEffect, useState } from 'react'

export const ROUTES = ['generate', 'models', 'gallery', 'settings'] as const
export type Route = (typeof ROUTES)[number]

// Generate is built but not reachable until its issue lands; it falls back to Models.
const ENABLED: readonly Route[] = ['models', 'gallery', 'settings']
const DEFAULT_ROUTE: Route = 'models'

function parse(hash: string): Route {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? ''
  return (ENABLED as readonly string[]).includes(name) ? (name as Route) : DEFAULT_ROUTE
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
    window.location.hash = `#/${r}`
    setRoute(r)
  }, [])
  return [route, navigate]
}
