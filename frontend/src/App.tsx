import { Sidebar } from '@/components/Sidebar'
import { TopBar } from '@/components/TopBar'
import { Toaster } from '@/components/ui/sonner'
import { TooltipProvider } from '@/components/ui/tooltip'
import { useBackend } from '@/hooks/useBackend'
import { useHashRoute, type Route } from '@/hooks/useHashRoute'
import { useAppliedTheme } from '@/hooks/useTheme'
import { GalleryPage } from '@/pages/GalleryPage'
import { GeneratePage } from '@/pages/GeneratePage'
import { ModelsPage } from '@/pages/ModelsPage'
import { PngInfoPage } from '@/pages/PngInfoPage'
import { SettingsPage } from '@/pages/SettingsPage'
import { StatsPage } from '@/pages/StatsPage'
import { WorkflowsPage } from '@/pages/WorkflowsPage'

const TITLES: Record<Route, { title: string; subtitle: string }> = {
  generate: { title: 'Generate', subtitle: 'Make images on this computer' },
  workflows: { title: 'Workflows', subtitle: 'Run ComfyUI graphs here or on your ComfyUI servers' },
  pnginfo: { title: 'PNG Info', subtitle: 'Read the parameters stored in an image' },
  models: { title: 'Models', subtitle: 'Checkpoints, LoRA and everything else in your models folders' },
  gallery: { title: 'Gallery', subtitle: 'Every image you have made' },
  stats: { title: 'Stats', subtitle: 'How fast, how reliable, how much memory' },
  settings: { title: 'Settings', subtitle: 'Folders, keys and defaults' },
}

function Page({ route }: { route: Route }) {
  switch (route) {
    case 'generate':
      return <GeneratePage />
    case 'workflows':
      return <WorkflowsPage />
    case 'pnginfo':
      return <PngInfoPage />
    case 'gallery':
      return <GalleryPage />
    case 'stats':
      return <StatsPage />
    case 'settings':
      return <SettingsPage />
    default:
      return <ModelsPage />
  }
}

export function App() {
  useBackend()
  const theme = useAppliedTheme()
  const [route, navigate] = useHashRoute()
  const { title, subtitle } = TITLES[route]
  return (
    <TooltipProvider delayDuration={400}>
      <div className="flex h-full overflow-hidden">
        <Sidebar route={route} onNavigate={navigate} />
        <div className="flex min-w-0 flex-1 flex-col">
          <TopBar title={title} subtitle={subtitle} showModelPicker={route !== 'generate'} />
          <main className={route === 'generate' ? 'min-h-0 flex-1 overflow-hidden' : 'min-h-0 flex-1 overflow-y-auto'}>
            <Page route={route} />
          </main>
        </div>
      </div>
      <Toaster theme={theme} />
    </TooltipProvider>
  )
}
