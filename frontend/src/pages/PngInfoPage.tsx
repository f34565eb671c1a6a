import { FileSearch, Loader2, Send } from 'lucide-react'
import { useRef, useState } from 'react'
import { CopyButton } from '@/components/CopyButton'
import { Badge, type BadgeTone } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { goTo } from '@/hooks/useHashRoute'
import { firstImage } from '@/lib/files'
import { mapSampler, mapScheduler } from '@/lib/generate'
import { SAMPLERS, SCHEDULERS } from '@/lib/samplers'
import type { PNGInfoSource, PNGParameters } from '@/lib/types'
import { cn } from '@/lib/utils'
import { useGenerateStore } from '@/stores/generate'
import { usePNGInfoStore } from '@/stores/pnginfo'

const SOURCE: Record<PNGInfoSource, { label: string; tone: BadgeTone }> = {
  dreamlayer: { label: 'DreamLayer', tone: 'violet' },
  a1111: { label: 'AUTOMATIC1111 / Forge', tone: 'orange' },
  comfyui: { label: 'ComfyUI', tone: 'sky' },
  invokeai: { label: 'InvokeAI', tone: 'teal' },
  none: { label: 'No parameters', tone: 'neutral' },
}

function Row({ label, value, mono }: { label: string; value: string | number | undefined; mono?: boolean }) {
  if (value === undefined || value === '') return null
  return (
    <div className="flex items-baseline justify-between gap-4 py-1.5">
      <dt className="shrink-0 text-[12px] text-muted-foreground">{label}</dt>
      <dd className={cn('min-w-0 truncate text-right text-[12.5px]', mono && 'font-mono text-[12px]')} data-selectable title={String(value)}>
        {value}
      </dd>
    </div>
  )
}

function labelOf(list: readonly { id: string; label: string }[], id: string): string | undefined {
  return list.find((x) => x.id === id)?.label
}

function Parameters({ p }: { p: PNGParameters }) {
  const mapped = mapSampler(p.sampler ?? '')
  const sched = mapScheduler(p.schedule ?? '') || mapped.scheduler
  return (
    <div className="space-y-4">
      <div>
        <div className="mb-1 flex items-center justify-between">
          <h3 className="text-[12px] font-medium text-muted-foreground">Prompt</h3>
          {p.prompt && <CopyButton value={p.prompt} label="Copy prompt" />}
        </div>
        <p className="rounded-lg border bg-background/50 p-3 text-[13px] leading-relaxed whitespace-pre-wrap" data-selectable data-testid="pnginfo-prompt">
          {p.prompt || <span className="text-muted-foreground">Empty</span>}
        </p>
      </div>
      {p.negative_prompt && (
        <div>
          <h3 className="mb-1 text-[12px] font-medium text-muted-foreground">Negative prompt</h3>
          <p className="rounded-lg border bg-background/50 p-3 text-[12.5px] leading-relaxed whitespace-pre-wrap text-muted-foreground" data-selectable>
            {p.negative_prompt}
          </p>
        </div>
      )}
      <dl className="grid grid-cols-1 gap-x-8 divide-y divide-border/60 sm:grid-cols-2 sm:divide-y-0" data-testid="pnginfo-params">
        <Row label="Steps" value={p.steps || undefined} />
        <Row label="Sampler" value={p.sampler ? `${p.sampler}${mapped.sampler ? '' : ' (unknown here)'}` : undefined} />
        <Row label="Schedule" value={p.schedule || (sched ? labelOf(SCHEDULERS, sched) : undefined)} />
        <Row label="CFG scale" value={p.cfg_scale || undefined} />
        <Row label="Seed" value={p.seed} mono />
        <Row label="Size" value={p.width && p.height ? `${p.width} × ${p.height}` : undefined} />
        <Row label="Model" value={p.model} />
        <Row label="Model hash" value={p.model_hash} mono />
        <Row label="Denoising strength" value={p.denoising_strength} />
        <Row label="Clip skip" value={p.clip_skip && p.clip_skip > 1 ? p.clip_skip : undefined} />
        {(p.extra ?? []).map((kv) => (
          <Row key={kv.key} label={kv.key} value={kv.value} />
        ))}
      </dl>
      {mapped.sampler && (
        <p className="text-[11.5px] text-muted-foreground">
          Sends sampler <span className="text-foreground">{labelOf(SAMPLERS, mapped.sampler)}</span>
          {sched && (
            <>
              {' '}with <span className="text-foreground">{labelOf(SCHEDULERS, sched)}</span> schedule
            </>
          )}
          .
        </p>
      )}
    </div>
  )
}

export function PngInfoPage() {
  const { info, preview, fileName, loading, error, read } = usePNGInfoStore()
  const applyParameters = useGenerateStore((s) => s.applyParameters)
  const [over, setOver] = useState(false)
  const input = useRef<HTMLInputElement>(null)

  const onFile = (files: FileList | null | undefined) => {
    const f = firstImage(files)
    if (f) void read(f)
  }

  const chunks = Object.entries(info?.chunks ?? {})
  return (
    <div data-testid="page-pnginfo" className="mx-auto grid max-w-6xl gap-5 p-6 lg:grid-cols-[minmax(0,5fr)_minmax(0,6fr)]">
      <div
        data-testid="pnginfo-dropzone"
        role="button"
        tabIndex={0}
        aria-label="Drop a PNG or click to choose one"
        onClick={() => input.current?.click()}
        onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && input.current?.click()}
        onDragOver={(e) => {
          e.preventDefault()
          setOver(true)
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault()
          setOver(false)
          onFile(e.dataTransfer.files)
        }}
        className={cn(
          'dl-checker relative flex min-h-[420px] items-center justify-center overflow-hidden rounded-xl border border-dashed border-input outline-none transition-colors focus-visible:ring-2 focus-visible:ring-ring/50',
          over && 'border-primary',
          preview && 'border-solid',
        )}
      >
        {preview ? (
          <img src={preview} alt={fileName} className="max-h-[70vh] w-full object-contain" />
        ) : (
          <div className="flex flex-col items-center gap-2 rounded-xl bg-background/80 px-8 py-6 text-center backdrop-blur">
            <div className="flex size-12 items-center justify-center rounded-2xl border bg-panel shadow-sm">
              <FileSearch className="size-6 text-primary" strokeWidth={1.75} />
            </div>
            <div className="mt-1 text-[14px] font-semibold">Drop a PNG</div>
            <div className="max-w-64 text-[12.5px] text-muted-foreground">From DreamLayer, AUTOMATIC1111, ComfyUI or InvokeAI, to see how it was made.</div>
          </div>
        )}
        {loading && (
          <div className="absolute inset-0 flex items-center justify-center bg-background/60">
            <Loader2 className="size-6 animate-spin" />
          </div>
        )}
        <input ref={input} type="file" accept="image/png" className="hidden" data-testid="pnginfo-file-input" onChange={(e) => onFile(e.target.files)} />
      </div>

      <div className="min-w-0 rounded-xl border bg-panel p-5" data-testid="pnginfo-result">
        {!info && !error && <p className="py-16 text-center text-[13px] text-muted-foreground">The parameters stored in the image appear here.</p>}
        {error && <p className="py-16 text-center text-[13px] text-destructive">{error}</p>}
        {info && (
          <div className="space-y-5">
            <div className="flex items-center justify-between gap-3">
              <div className="min-w-0">
                <div className="truncate text-[14px] font-semibold" title={fileName}>
                  {fileName}
                </div>
                <Badge tone={SOURCE[info.source]?.tone ?? 'neutral'} className="mt-1" data-testid="pnginfo-source">
                  {SOURCE[info.source]?.label ?? info.source}
                </Badge>
              </div>
              <Button
                data-testid="pnginfo-send"
                disabled={!info.parameters}
                onClick={() => {
                  if (!info.parameters) return
                  applyParameters(info.parameters)
                  goTo('generate')
                }}
              >
                <Send />
                Send to Txt2Img
              </Button>
            </div>
            {info.parameters ? (
              <Parameters p={info.parameters} />
            ) : (
              <p className="text-[13px] text-muted-foreground">This image carries no generation parameters.</p>
            )}
            {chunks.length > 0 && (
              <details className="group rounded-lg border bg-background/40">
                <summary className="cursor-default px-3 py-2 text-[12.5px] font-medium">Raw text chunks ({chunks.length})</summary>
                <div className="space-y-3 border-t p-3">
                  {chunks.map(([k, v]) => (
                    <div key={k}>
                      <div className="mb-1 font-mono text-[11px] text-muted-foreground">{k}</div>
                      <pre className="max-h-48 overflow-auto rounded-md bg-muted/60 p-2 font-mono text-[11px] whitespace-pre-wrap break-all" data-selectable>
                        {v}
                      </pre>
                    </div>
                  ))}
                </div>
              </details>
            )}
          </div>
        )}
      </div>
    </div>
  )
}
