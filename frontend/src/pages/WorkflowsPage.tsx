import { AlertTriangle, Ban, Cloud, Cpu, FileJson, Loader2, RotateCcw, Upload, Workflow as WorkflowIcon } from 'lucide-react'
import { useEffect, useRef, useState } from 'react'
import { EmptyState } from '@/components/EmptyState'
import { ChoiceField, NumberField } from '@/components/settings/fields'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Skeleton } from '@/components/ui/skeleton'
import { Switch } from '@/components/ui/switch'
import { Tip } from '@/components/ui/tooltip'
import type { Job, LoadedWorkflow, WorkflowField, WorkflowTarget } from '@/lib/types'
import { cn } from '@/lib/utils'
import { isLive, progressOf, useJobsStore } from '@/stores/jobs'
import { useSettingsStore } from '@/stores/settings'
import { fieldKey, useWorkflowsStore } from '@/stores/workflows'

const NO_SERVERS: string[] = []

const SOURCE_LABEL: Record<string, string> = { template: 'Template', json: 'JSON file', png: 'ComfyUI PNG' }

function Field({ f, label }: { f: WorkflowField; label?: string }) {
  const values = useWorkflowsStore((s) => s.values)
  const setValue = useWorkflowsStore((s) => s.setValue)
  const key = fieldKey(f)
  const value = key in values ? values[key] : f.value
  const id = `wf-${f.node}-${f.input}`
  const name = label ?? f.input
  let control
  if (f.type === 'BOOLEAN') {
    control = <Switch id={id} checked={Boolean(value)} onCheckedChange={(v) => setValue(f, v)} />
  } else if (f.type === 'INT' || f.type === 'FLOAT') {
    control = (
      <NumberField
        id={id}
        data-testid={`field-${key}`}
        value={Number(value)}
        integer={f.type === 'INT'}
        min={f.min}
        max={f.max}
        step={f.type === 'FLOAT' ? 0.05 : 1}
        onChange={(v) => setValue(f, v)}
      />
    )
  } else if (f.type === 'COMBO' && f.choices && f.choices.length > 0) {
    control = <ChoiceField id={id} value={String(value)} options={f.choices.map((c) => ({ id: c, label: c }))} onChange={(v) => setValue(f, v)} />
  } else if (f.multiline) {
    control = (
      <textarea
        id={id}
        data-testid={`field-${key}`}
        value={String(value ?? '')}
        rows={3}
        onChange={(e) => setValue(f, e.target.value)}
        className="w-full resize-y rounded-md border border-input bg-transparent px-2.5 py-1.5 text-[13px] leading-relaxed outline-none focus-visible:ring-2 focus-visible:ring-ring/50"
      />
    )
  } else {
    control = (
      <Input
        id={id}
        data-testid={`field-${key}`}
        value={String(value ?? '')}
        spellCheck={false}
        className={cn(f.file && 'font-mono text-[12px]')}
        onChange={(e) => setValue(f, e.target.value)}
      />
    )
  }
  const wide = f.multiline
  return (
    <div className={cn('min-w-0', wide && 'sm:col-span-2')}>
      <label htmlFor={id} className="mb-1 flex items-center gap-1.5 text-[12px] font-medium text-muted-foreground">
        {name}
        {f.file && <span className="text-[10.5px] font-normal text-muted-foreground/70">{f.file} file</span>}
        {key in values && <span className="size-1.5 rounded-full bg-primary" aria-label="edited" />}
      </label>
      {control}
    </div>
  )
}

function FieldGrid({ fields }: { fields: WorkflowField[] }) {
  if (fields.length === 0) return <p className="text-[12px] text-muted-foreground">No editable inputs.</p>
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      {fields.map((f) => (
        <Field key={fieldKey(f)} f={f} />
      ))}
    </div>
  )
}

function Templates() {
  const templates = useWorkflowsStore((s) => s.templates)
  const loaded = useWorkflowsStore((s) => s.templatesLoaded)
  const error = useWorkflowsStore((s) => s.templatesError)
  const current = useWorkflowsStore((s) => s.workflow?.template)
  const openTemplate = useWorkflowsStore((s) => s.openTemplate)
  if (!loaded) return <Skeleton className="h-40 w-full" />
  if (error) return <p className="text-[12.5px] text-destructive">{error}</p>
  if (templates.length === 0) return <p className="text-[12.5px] text-muted-foreground">No templates found.</p>
  return (
    <ul className="space-y-1" data-testid="workflow-templates">
      {templates.map((t) => (
        <li key={t.id}>
          <button
            type="button"
            data-testid={`template-${t.id}`}
            aria-current={current === t.id ? 'true' : undefined}
            onClick={() => void openTemplate(t.id)}
            className={cn(
              'w-full rounded-lg border border-transparent px-3 py-2 text-left transition-colors outline-none hover:bg-accent/70 focus-visible:ring-2 focus-visible:ring-ring/50',
              current === t.id && 'border-primary/30 bg-primary/8',
            )}
          >
            <div className="flex items-center gap-2">
              <span className="text-[13px] font-medium">{t.name}</span>
              {!t.builtin && <Badge tone="violet">Yours</Badge>}
            </div>
            {t.description && <p className="mt-0.5 line-clamp-2 text-[12px] leading-snug text-muted-foreground">{firstLine(t.description)}</p>}
            {t.inputs.length > 0 && <p className="mt-1 truncate text-[11px] text-muted-foreground/80">{t.inputs.map((i) => i.name).join(' · ')}</p>}
          </button>
        </li>
      ))}
    </ul>
  )
}

/** The README's text without its "# title" line. */
function firstLine(md: string): string {
  return md
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .join(' ')
}

function OpenFile() {
  const openFile = useWorkflowsStore((s) => s.openFile)
  const [over, setOver] = useState(false)
  const input = useRef<HTMLInputElement>(null)
  const pick = (files: FileList | null | undefined) => {
    const f = files?.[0]
    if (f) void openFile(f)
  }
  return (
    <div
      role="button"
      tabIndex={0}
      data-testid="workflow-dropzone"
      aria-label="Open a workflow JSON or drop a ComfyUI PNG"
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
        pick(e.dataTransfer.files)
      }}
      className={cn(
        'flex flex-col items-center gap-1.5 rounded-lg border border-dashed border-input px-3 py-4 text-center outline-none transition-colors focus-visible:ring-2 focus-visible:ring-ring/50',
        over && 'border-primary bg-primary/5',
      )}
    >
      <Upload className="size-4 text-primary" />
      <div className="text-[12.5px] font-medium">Open a workflow</div>
      <div className="text-[11.5px] text-muted-foreground">API-format JSON, or drop a ComfyUI PNG</div>
      <input ref={input} type="file" accept=".json,application/json,image/png" className="hidden" data-testid="workflow-file-input" onChange={(e) => pick(e.target.files)} />
    </div>
  )
}

function RunBar({ wf }: { wf: LoadedWorkflow }) {
  const servers = useSettingsStore((s) => s.settings?.comfyui?.servers ?? NO_SERVERS)
  const run = useWorkflowsStore((s) => s.run)
  const running = useWorkflowsStore((s) => s.running)
  const edited = useWorkflowsStore((s) => Object.keys(s.values).length)
  const resetValues = useWorkflowsStore((s) => s.resetValues)
  const go = (t: WorkflowTarget) => void run(t)
  const noServers = servers.length === 0
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Tip label={wf.problem ? `Cannot run here: ${wf.problem}` : 'Run with DreamLayer’s own engine'}>
        <span>
          <Button data-testid="run-local" disabled={running || !!wf.problem} onClick={() => go('local')}>
            {running ? <Loader2 className="animate-spin" /> : <Cpu />}
            Run locally
          </Button>
        </span>
      </Tip>
      <Tip label={noServers ? 'Add ComfyUI servers in Settings first' : `Spread over ${servers.length} ComfyUI server${servers.length === 1 ? '' : 's'}`}>
        <span>
          <Button data-testid="run-remote" variant="secondary" disabled={running || noServers} onClick={() => go('remote')}>
            <Cloud />
            Run on ComfyUI servers
          </Button>
        </span>
      </Tip>
      {noServers && (
        <a href="#/settings" data-testid="servers-hint" className="text-[12px] text-muted-foreground underline-offset-4 hover:text-foreground hover:underline">
          No ComfyUI servers configured
        </a>
      )}
      {edited > 0 && (
        <Button variant="ghost" size="sm" className="ml-auto" onClick={resetValues}>
          <RotateCcw />
          Reset {edited} {edited === 1 ? 'change' : 'changes'}
        </Button>
      )}
    </div>
  )
}

function RunStatus() {
  const jobId = useWorkflowsStore((s) => s.jobId)
  const results = useWorkflowsStore((s) => (jobId ? s.results[jobId] : undefined))
  const loadResults = useWorkflowsStore((s) => s.loadResults)
  const job = useJobsStore((s) => s.jobs.find((j) => j.id === jobId))
  const progress = useJobsStore((s) => progressOf(s, job))
  const cancel = useJobsStore((s) => s.cancel)
  useEffect(() => {
    if (job?.state === 'done' && job.outputs && job.outputs.length > 0 && !results) void loadResults(job.id)
  }, [job?.state, job?.id, job?.outputs, results, loadResults])
  if (!jobId) return null
  if (!job) return <p className="text-[12.5px] text-muted-foreground">Queued…</p>
  const live = isLive(job.state)
  const pct = progress && progress.total > 0 ? Math.min(100, (progress.step / progress.total) * 100) : 0
  return (
    <div className="space-y-3 rounded-xl border bg-panel p-4" data-testid="workflow-run">
      <div className="flex items-center gap-3 text-[12.5px]">
        <StateBadge job={job} />
        <span className="min-w-0 flex-1 truncate text-muted-foreground" data-testid="workflow-progress">
          {job.state === 'queued' ? 'Waiting in the queue' : live ? progress?.message || 'Starting…' : job.error || `${job.outputs?.length ?? 0} image${job.outputs?.length === 1 ? '' : 's'}`}
        </span>
        {live && progress && progress.total > 0 && (
          <span className="tabular-nums text-muted-foreground">
            {progress.step}/{progress.total}
          </span>
        )}
        {live && (
          <Button size="sm" variant="ghost" onClick={() => void cancel(job.id)} data-testid="workflow-cancel">
            <Ban />
            Cancel
          </Button>
        )}
      </div>
      {live && (
        <div className="h-1.5 overflow-hidden rounded-full bg-muted" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
          <div
            className={cn('h-full rounded-full bg-gradient-to-r from-violet-500 via-fuchsia-500 to-orange-400 transition-[width] duration-300', pct === 0 && 'w-1/4 animate-pulse')}
            style={pct > 0 ? { width: `${pct}%` } : undefined}
          />
        </div>
      )}
      {results && results.length > 0 && (
        <div className="grid grid-cols-2 gap-3 md:grid-cols-3" data-testid="workflow-results">
          {results.map((it) => (
            <figure key={it.id} className="dl-checker overflow-hidden rounded-lg border">
              <img src={it.url} alt={it.prompt || 'Workflow result'} className="aspect-square w-full object-contain" />
              <figcaption className="truncate border-t bg-panel px-2 py-1 font-mono text-[11px] text-muted-foreground" title={it.path}>
                {it.width}×{it.height} · {it.path.split(/[\\/]/).pop()}
              </figcaption>
            </figure>
          ))}
        </div>
      )}
    </div>
  )
}

function StateBadge({ job }: { job: Job }) {
  switch (job.state) {
    case 'done':
      return <Badge tone="success">Done</Badge>
    case 'failed':
      return <Badge tone="danger">Failed</Badge>
    case 'cancelled':
      return <Badge>Cancelled</Badge>
    case 'running':
      return <Badge tone="primary">{job.request?.provider === 'comfyui' ? 'Running remotely' : 'Running'}</Badge>
    default:
      return <Badge>Queued</Badge>
  }
}

function WorkflowView({ wf }: { wf: LoadedWorkflow }) {
  const named = new Set(wf.inputs.map((i) => i.node))
  return (
    <div className="space-y-5" data-testid="workflow-view">
      <div>
        <div className="flex flex-wrap items-center gap-2">
          <FileJson className="size-4 text-primary" />
          <h2 className="text-[15px] font-semibold" data-testid="workflow-name">
            {wf.name}
          </h2>
          <Badge tone="sky">{SOURCE_LABEL[wf.source] ?? wf.source}</Badge>
          <span className="text-[12px] text-muted-foreground">{wf.nodes.length} nodes</span>
        </div>
        {wf.description && <p className="mt-1 text-[12.5px] text-muted-foreground">{firstLine(wf.description)}</p>}
        {wf.problem && (
          <div role="alert" className="mt-3 flex gap-2 rounded-lg border border-warning/35 bg-warning/10 px-3 py-2 text-[12.5px]" data-testid="workflow-problem">
            <AlertTriangle className="mt-0.5 size-4 shrink-0 text-warning" />
            <span>
              <span className="font-medium">Cannot run on this computer.</span> {wf.problem} It may still run on a ComfyUI server that has these nodes.
            </span>
          </div>
        )}
      </div>

      <RunBar wf={wf} />
      <RunStatus />

      {wf.inputs.length > 0 && (
        <section aria-labelledby="wf-inputs" className="rounded-xl border bg-panel">
          <h3 id="wf-inputs" className="border-b px-4 py-2.5 text-[13px] font-semibold">
            Inputs
          </h3>
          <div className="divide-y divide-border/70" data-testid="workflow-inputs">
            {wf.inputs.map((i) => (
              <div key={i.node} className="px-4 py-3">
                <div className="mb-2 flex items-baseline gap-2">
                  <span className="text-[13px] font-medium">{i.name}</span>
                  <span className="text-[11.5px] text-muted-foreground">
                    {i.class} · node {i.node}
                  </span>
                </div>
                <FieldGrid fields={i.fields} />
              </div>
            ))}
          </div>
        </section>
      )}

      <section aria-labelledby="wf-nodes" className="rounded-xl border bg-panel">
        <h3 id="wf-nodes" className="border-b px-4 py-2.5 text-[13px] font-semibold">
          All nodes
        </h3>
        <div className="divide-y divide-border/70" data-testid="workflow-nodes">
          {wf.nodes.map((n) => (
            <details key={n.id} className="group px-4 py-2.5" open={!named.has(n.id) && n.fields.length > 0 && wf.inputs.length === 0}>
              <summary className="flex cursor-default list-none items-center gap-2 text-[13px]" data-testid={`node-${n.id}`}>
                <span className="w-8 shrink-0 font-mono text-[11.5px] text-muted-foreground">#{n.id}</span>
                <span className="font-medium">{n.class}</span>
                {n.title && <span className="truncate text-muted-foreground">“{n.title}”</span>}
                {!n.known && <Badge tone="warning">Not built in</Badge>}
                <span className="ml-auto text-[11.5px] text-muted-foreground">{n.fields.length > 0 ? `${n.fields.length} inputs` : 'links only'}</span>
              </summary>
              {n.fields.length > 0 && (
                <div className="pt-3 pb-1">
                  {named.has(n.id) ? <p className="text-[12px] text-muted-foreground">Edited above under Inputs.</p> : <FieldGrid fields={n.fields} />}
                </div>
              )}
            </details>
          ))}
        </div>
      </section>
    </div>
  )
}

export function WorkflowsPage() {
  const loadTemplates = useWorkflowsStore((s) => s.loadTemplates)
  const workflow = useWorkflowsStore((s) => s.workflow)
  const loading = useWorkflowsStore((s) => s.loading)
  const loadError = useWorkflowsStore((s) => s.loadError)
  useEffect(() => {
    void loadTemplates()
  }, [loadTemplates])
  return (
    <div data-testid="page-workflows" className="mx-auto grid max-w-6xl gap-6 p-6 lg:grid-cols-[260px_minmax(0,1fr)]">
      <aside className="space-y-4">
        <OpenFile />
        <div>
          <h2 className="mb-2 px-1 text-[12px] font-semibold tracking-wide text-muted-foreground uppercase">Templates</h2>
          <Templates />
        </div>
      </aside>
      <div className="min-w-0">
        {loadError && (
          <div role="alert" className="mb-4 rounded-lg border border-destructive/30 bg-destructive/10 px-3 py-2 text-[12.5px] text-destructive" data-testid="workflow-load-error">
            {loadError}
          </div>
        )}
        {loading && !workflow ? (
          <Skeleton className="h-64 w-full" />
        ) : workflow ? (
          <WorkflowView wf={workflow} />
        ) : (
          <EmptyState icon={WorkflowIcon} title="Run a ComfyUI workflow">
            Pick a template, open an API-format JSON file, or drop a PNG made by ComfyUI. Run it on this computer, or on your ComfyUI servers.
          </EmptyState>
        )}
      </div>
    </div>
  )
}
