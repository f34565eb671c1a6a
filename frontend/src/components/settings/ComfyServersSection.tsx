import { CheckCircle2, CircleHelp, Loader2, Plus, Radio, Trash2, XCircle } from 'lucide-react'
import { useState } from 'react'
import { Row, Section } from '@/components/settings/layout'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Tip } from '@/components/ui/tooltip'
import type { ComfyServerStatus, Settings } from '@/lib/types'
import { useSettingsStore } from '@/stores/settings'
import { useWorkflowsStore } from '@/stores/workflows'

/** The most servers the backend accepts (settings.MaxComfyServers). */
export const MAX_COMFY_SERVERS = 16

/** The URL as the backend stores it: trimmed, without a trailing slash. */
export function normalizeServer(url: string): string {
  return url.trim().replace(/\/+$/, '')
}

/** Why a server URL would be refused, or undefined when it is fine. */
export function serverProblem(url: string, others: string[]): string | undefined {
  const u = normalizeServer(url)
  if (u === '') return 'Enter a URL such as http://gpu-box:8188'
  if (!/^https?:\/\//i.test(u)) return 'Must start with http:// or https://'
  try {
    const parsed = new URL(u)
    if (!parsed.hostname) return 'Needs a host name'
  } catch {
    return 'Not a valid URL'
  }
  if (others.some((o) => normalizeServer(o).toLowerCase() === u.toLowerCase())) return 'Already in the list'
  return undefined
}

function StatusIcon({ status }: { status: ComfyServerStatus | undefined }) {
  if (!status)
    return (
      <Tip label="Not checked yet">
        <CircleHelp className="size-4 shrink-0 text-muted-foreground/60" aria-label="not checked" />
      </Tip>
    )
  if (status.up)
    return (
      <Tip label={status.busy > 0 ? `Up · ${status.busy} running` : 'Up'}>
        <CheckCircle2 className="size-4 shrink-0 text-success" aria-label="up" data-testid="server-up" />
      </Tip>
    )
  return (
    <Tip label={status.err || 'Down'}>
      <XCircle className="size-4 shrink-0 text-destructive" aria-label="down" data-testid="server-down" />
    </Tip>
  )
}

/** Settings → ComfyUI servers: the list workflow jobs may run on. */
export function ComfyServersSection({ draft }: { draft: Settings }) {
  const edit = useSettingsStore((s) => s.editDraft)
  const saveError = useSettingsStore((s) => s.saveErrors?.fields['comfyui.servers'])
  const statuses = useWorkflowsStore((s) => s.servers)
  const checking = useWorkflowsStore((s) => s.checking)
  const checkServers = useWorkflowsStore((s) => s.checkServers)
  const [adding, setAdding] = useState('')
  const [addError, setAddError] = useState<string | undefined>()
  const servers = draft.comfyui?.servers ?? []

  const setServers = (next: string[]) => edit((d) => ({ ...d, comfyui: { ...d.comfyui, servers: next } }))
  const add = () => {
    const problem = serverProblem(adding, servers)
    if (problem) {
      setAddError(problem)
      return
    }
    setServers([...servers, normalizeServer(adding)])
    setAdding('')
    setAddError(undefined)
  }
  const rowProblems = servers.map((u, i) => serverProblem(u, servers.slice(0, i)))
  const canCheck = servers.length > 0 && rowProblems.every((p) => p === undefined)

  return (
    <Section
      id="comfyui"
      title="ComfyUI servers"
      description="Extra render capacity: workflow jobs can run on these servers, spread over the ones that are up."
      aside={
        <Button variant="secondary" size="sm" disabled={!canCheck || checking} onClick={() => void checkServers(servers.map(normalizeServer))} data-testid="servers-check">
          {checking ? <Loader2 className="animate-spin" /> : <Radio />}
          Check
        </Button>
      }
    >
      <Row label="Servers" stacked help="Base URLs of ComfyUI servers, as in http://gpu-box:8188." error={saveError}>
        <div className="space-y-1.5" data-testid="comfy-servers">
          {servers.length === 0 && <div className="rounded-md border border-dashed px-2.5 py-1.5 text-[12px] text-muted-foreground">None added</div>}
          {servers.map((url, i) => (
            <div key={i} data-testid="comfy-server">
              <div className="flex items-center gap-2">
                <StatusIcon status={statuses[normalizeServer(url)]} />
                <Input
                  value={url}
                  aria-label={`Server ${i + 1}`}
                  aria-invalid={rowProblems[i] !== undefined || undefined}
                  spellCheck={false}
                  className="font-mono text-[12px]"
                  onChange={(e) => setServers(servers.map((s, j) => (j === i ? e.target.value : s)))}
                />
                <Button variant="ghost" size="icon-sm" aria-label={`Remove ${url}`} onClick={() => setServers(servers.filter((_, j) => j !== i))}>
                  <Trash2 />
                </Button>
              </div>
              {rowProblems[i] && (
                <p role="alert" className="mt-1 pl-6 text-[12px] text-destructive">
                  {rowProblems[i]}
                </p>
              )}
              {!rowProblems[i] && statuses[normalizeServer(url)]?.up === false && statuses[normalizeServer(url)]?.err && (
                <p className="mt-1 truncate pl-6 text-[11.5px] text-muted-foreground" title={statuses[normalizeServer(url)]?.err}>
                  {statuses[normalizeServer(url)]?.err}
                </p>
              )}
            </div>
          ))}
          {servers.length < MAX_COMFY_SERVERS && (
            <form
              className="flex gap-2 pt-1"
              onSubmit={(e) => {
                e.preventDefault()
                add()
              }}
            >
              <Input
                value={adding}
                placeholder="http://gpu-box:8188"
                aria-label="New server URL"
                aria-invalid={addError !== undefined || undefined}
                spellCheck={false}
                className="font-mono text-[12px]"
                data-testid="server-new"
                onChange={(e) => {
                  setAdding(e.target.value)
                  setAddError(undefined)
                }}
              />
              <Button type="submit" variant="secondary" data-testid="server-add">
                <Plus />
                Add
              </Button>
            </form>
          )}
          {addError && (
            <p role="alert" className="text-[12px] text-destructive" data-testid="server-add-error">
              {addError}
            </p>
          )}
        </div>
      </Row>
    </Section>
  )
}
