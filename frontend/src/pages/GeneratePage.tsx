import { Loader2, Sparkles, Square } from 'lucide-react'
import { useEffect, useMemo } from 'react'
import { InitImage } from '@/components/generate/InitImage'
import { InpaintOptions } from '@/components/generate/InpaintOptions'
import { useMaskStore } from '@/components/generate/maskStore'
import { OutputPane } from '@/components/generate/OutputPane'
import { ParamsPanel } from '@/components/generate/ParamsPanel'
import { PromptEditor } from '@/components/generate/PromptEditor'
import { Card } from '@/components/generate/controls'
import { Button } from '@/components/ui/button'
import { Tabs, TabsList, TabsTrigger } from '@/components/ui/tabs'
import { notify } from '@/lib/notify'
import { type GenTab, useGenerateStore, useGenForm } from '@/stores/generate'
import { isLive, useJobsStore } from '@/stores/jobs'

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform)

/** The seed of the newest finished image, for "reuse last seed". */
function useLastSeed(): number | null {
  const jobs = useJobsStore((s) => s.jobs)
  return useMemo(() => {
    for (let i = jobs.length - 1; i >= 0; i--) {
      const seed = jobs[i]?.state === 'done' ? jobs[i]?.outputs?.[0]?.seed : undefined
      if (seed !== undefined) return seed
    }
    return null
  }, [jobs])
}

/** The header's modes: Inpaint is the Img2Img form with its mask painter on. */
type Mode = GenTab | 'inpaint'

/**
 * Starts the tab's generation. On Inpaint the painter's last stroke may still
 * be on its way to the form, so it is awaited first; an Inpaint run without
 * a mask would silently be plain img2img, so it is refused with a hint.
 */
async function run(tab: GenTab): Promise<void> {
  const gen = useGenerateStore.getState()
  if (tab === 'img2img' && gen.form('img2img').inpaint) {
    await useMaskStore.getState().flush()
    const f = useGenerateStore.getState().form('img2img')
    if (f.initImage !== '' && f.mask === '') {
      notify.error('Paint the area to repaint, or upload a mask')
      return
    }
  }
  await useGenerateStore.getState().submit(tab)
}

function RunControls({ tab }: { tab: GenTab }) {
  const interrupt = useGenerateStore((s) => s.interrupt)
  const submitting = useGenerateStore((s) => s.submitting)
  const jobId = useGenerateStore((s) => s.jobIds[tab])
  const running = useJobsStore((s) => s.jobs.some((j) => (j.id === jobId && isLive(j.state)) || j.state === 'running'))
  return (
    <div className="flex items-center gap-2">
      {running && (
        <Button variant="secondary" onClick={() => void interrupt(tab)} data-testid="interrupt-button" className="h-9">
          <Square className="fill-current !size-3" />
          Interrupt
        </Button>
      )}
      <Button
        onClick={() => void run(tab)}
        disabled={submitting}
        data-testid="generate-button"
        className="h-9 bg-gradient-to-r from-violet-500 to-fuchsia-500 px-4 text-white shadow-lg shadow-fuchsia-500/20 hover:from-violet-500/90 hover:to-fuchsia-500/90"
      >
        {submitting ? <Loader2 className="animate-spin" /> : <Sparkles />}
        Generate
        <kbd className="ml-1 rounded bg-white/15 px-1.5 py-px font-mono text-[10.5px] font-normal text-white/85">{isMac ? '⌘' : 'Ctrl'} ↵</kbd>
      </Button>
    </div>
  )
}

export function GeneratePage() {
  const tab = useGenerateStore((s) => s.tab)
  const setTab = useGenerateStore((s) => s.setTab)
  const update = useGenerateStore((s) => s.update)
  const inpaint = useGenForm('img2img').inpaint
  const mode: Mode = tab === 'img2img' && inpaint ? 'inpaint' : tab
  const lastSeed = useLastSeed()

  const chooseMode = (m: Mode) => {
    if (m === 'txt2img') {
      setTab('txt2img')
      return
    }
    if (inpaint !== (m === 'inpaint')) update('img2img', { inpaint: m === 'inpaint' })
    setTab('img2img')
  }

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.repeat) {
        e.preventDefault()
        void run(useGenerateStore.getState().tab)
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  return (
    <div data-testid="page-generate" className="flex h-full min-h-0 flex-col">
      <div className="flex h-12 shrink-0 items-center justify-between gap-3 border-b px-4">
        <Tabs value={mode} onValueChange={(v) => chooseMode(v as Mode)}>
          <TabsList aria-label="Mode">
            <TabsTrigger value="txt2img" data-testid="tab-txt2img">
              Txt2Img
            </TabsTrigger>
            <TabsTrigger value="img2img" data-testid="tab-img2img">
              Img2Img
            </TabsTrigger>
            <TabsTrigger value="inpaint" data-testid="tab-inpaint">
              Inpaint
            </TabsTrigger>
          </TabsList>
        </Tabs>
        <RunControls tab={tab} />
      </div>
      <div className="flex min-h-0 flex-1">
        <div className="w-[420px] shrink-0 space-y-3 overflow-y-auto border-r p-4 xl:w-[460px]" data-testid={`form-${tab}`}>
          <Card>
            <PromptEditor key={tab} tab={tab} />
          </Card>
          {tab === 'img2img' && <InitImage />}
          {mode === 'inpaint' && <InpaintOptions />}
          <ParamsPanel key={`p-${tab}`} tab={tab} lastSeed={lastSeed} />
        </div>
        <div className="flex min-w-0 flex-1 flex-col p-4">
          <OutputPane tab={tab} />
        </div>
      </div>
    </div>
  )
}
