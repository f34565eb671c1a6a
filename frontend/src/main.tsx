import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import './index.css'

async function start() {
  // Outside the Wails window (plain `vite` in a browser) there is no Go side;
  // a sample backend stands in during development only and is never bundled.
  if (import.meta.env.DEV && !('go' in window)) {
    const { installMockBackend } = await import('./dev/mock-backend')
    installMockBackend()
  }
  const root = document.getElementById('root')
  if (!root) throw new Error('missing #root element')
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  )
}

void start()
