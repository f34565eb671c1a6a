import { Dices, Layers, Palette, Plus, Search } from 'lucide-react'
import { useEffect, useMemo, useState } from 'react'
import { Button } from '@/components/ui/button'
import { Dialog, DialogContent, DialogDescription, DialogTitle } from '@/components/ui/dialog'
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuLabel, DropdownMenuTrigger } from '@/components/ui/dropdown-menu'
import { Input } from '@/components/ui/input'
import { Tip } from '@/components/ui/tooltip'
import { FamilyBadge } from '@/components/FamilyBadge'
import { useDebounced } from '@/hooks/useDebounced'
import { applyStyleText, insertLora, tokenLabel } from '@/lib/generate'
import { baseFamily } from '@/lib/models'
import type { Model, TokenCount } from '@/lib/types'
import { cn } from '@/lib/utils'
import { useCatalogStore } from '@/stores/catalog'
import { useCloudStore } from '@/stores/cloud'
import { type GenTab, useGenerateStore, useGenForm } from '@/stores/generate'
import { usePromptsStore } from '@/stores/prompts'
import { useSettingsStore } from '@/stores/settings'

const COUNT_DELAY_MS = 300

/** Token count of text, asked of the backend once typing pauses. */
function useTokenCount(text: string): TokenCount | null {
  const debounced = useDebounced(text, COUNT_DELAY_MS)
  const count = usePromptsStore((s) => s.countTokens)
  const [c, setC] = useState<TokenCount | null>(null)
  useEffect(() => {
    let live = true
    void count(debounced).then((r) => live && r && setC(r))
    return () => {
      live = false
    }
  }, [debounced, count])
  return c
}

function PromptField({
  label,
  value,
  onChange,
  placeholder,
  testId,
  rows,
  negative,
}: {
  label: string
  value: string
  onChange: (v: string) => void
  placeholder: string
  testId: string
  rows: number
  negative?: boolean
}) {
  const count = useTokenCount(value)
  const over = count !== null && count.chunks > 1
  return (
    <div className="group/prompt relative">
      <div className="mb-1.5 flex items-center justify-between">
        <label htmlFor={testId} className={cn('text-[12px] font-medium', negative ? 'text-muted-foreground' : 'text-foreground')}>
          {label}
        </label>
        <span
          data-testid={`${testId}-tokens`}
          className={cn('rounded px-1.5 font-mono text-[10.5px] tabular-nums text-muted-foreground', over && 'bg-primary/12 text-primary')}
          title="Tokens, 75 per chunk"
        >
          {count ? tokenLabel(count) : '0/75'}
        </span>
      </div>
      <textarea
        id={testId}
        data-testid={testId}
        value={value}
        rows={rows}
        placeholder={placeholder}
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
        className={cn(
          'block w-full resize-y rounded-lg border border-input bg-background/60 px-3 py-2 text-[13px] leading-relaxed shadow-xs outline-none transition-colors placeholder:text-muted-foreground/60 focus-visible:border-ring focus-visible:ring-2 focus-visible:ring-ring/25',
          negative && 'text-[12.5px]',
        )}
      />
    </div>
  )
}

function LoraBrowser({ open, onOpenChange, onAdd }: { open: boolean; onOpenChange: (o: boolean) => void; onAdd: (name: string, w: number) => void }) {
  const models = useCatalogStore((s) => s.models)
  const checkpointId = useSettingsStore((s) => s.settings?.generation.checkpoint ?? '')
  const checkpoint = models.find((m) => m.id === checkpointId)
  const [query, setQuery] = useState('')
  const [weights, setWeights] = useState<Record<string, number>>({})
  const loras = useMemo(() => {
    const q = query.trim().toLowerCase()
    const fam = checkpoint ? baseFamily(checkpoint.family) : null
    const list = models.filter((m) => m.kind === 'lora' && (q === '' || m.name.toLowerCase().includes(q)))
    // LoRAs made for the chosen checkpoint's family first.
    const score = (m: Model) => (fam && m.family === fam ? 0 : m.family === 'unknown' ? 1 : 2)
    return [...list].sort((a, b) => score(a) - score(b) || a.name.localeCompare(b.name))
  }, [models, query, checkpoint])
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="max-w-xl p-0" data-testid="lora-browser">
        <div className="border-b p-4 pb-3">
          <DialogTitle>LoRA</DialogTitle>
          <DialogDescription>Adds a &lt;lora:name:strength&gt; tag to the prompt.</DialogDescription>
          <div className="relative mt-3">
            <Search className="absolute top-1/2 left-2.5 size-3.5 -translate-y-1/2 text-muted-foreground" />
            <Input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Search LoRA" className="pl-8" aria-label="Search LoRA" />
          </div>
        </div>
        <div className="max-h-[50vh] overflow-y-auto p-2">
          {loras.length === 0 && (
            <p className="px-3 py-10 text-center text-[13px] text-muted-foreground">
              {query ? 'No LoRA matches.' : 'No LoRA found. Put .safetensors files in the models/loras folder.'}
            </p>
          )}
          {loras.map((m) => {
            const w = weights[m.id] ?? 1
            return (
              <div key={m.id} className="flex items-center gap-3 rounded-lg px-2.5 py-2 hover:bg-accent/50" data-testid="lora-row">
                <div className="min-w-0 flex-1">
                  <div className="flex items-center gap-2">
                    <span className="truncate text-[13px] font-medium">{m.name}</span>
                    <FamilyBadge family={m.family} />
                  </div>
                  <div className="mt-1.5 flex items-center gap-2">
                    <input
                      type="range"
                      min={-1}
                      max={2}
                      step={0.05}
                      value={w}
                      aria-label={`Strength of ${m.name}`}
                      onChange={(e) => setWeights({ ...weights, [m.id]: Number(e.target.value) })}
                      className="dl-range h-1 w-40"
                      style={{ '--dl-range-pct': `${((w + 1) / 3) * 100}%` } as React.CSSProperties}
                    />
                    <span className="w-9 font-mono text-[11px] tabular-nums text-muted-foreground">{w.toFixed(2)}</span>
                  </div>
                </div>
                <Button size="sm" variant="secondary" onClick={() => onAdd(m.name, w)} aria-label={`Add ${m.name}`}>
                  <Plus />
                  Add
                </Button>
              </div>
            )
          })}
        </div>
      </DialogContent>
    </Dialog>
  )
}

export function PromptEditor({ tab }: { tab: GenTab }) {
  const form = useGenForm(tab)
  const update = useGenerateStore((s) => s.update)
  const styles = usePromptsStore((s) => s.styles)
  const stylesLoaded = usePromptsStore((s) => s.loaded)
  const loadStyles = usePromptsStore((s) => s.load)
  const random = usePromptsStore((s) => s.random)
  const [loraOpen, setLoraOpen] = useState(false)
  // A cloud model shows a negative prompt only when it takes one, and no LoRAs.
  const cloud = form.cloud ?? null
  const cloudModel = useCloudStore((s) => (cloud ? s.models.find((m) => m.provider === cloud.provider && m.id === cloud.model) : undefined))
  const showNegative = !cloud || (cloudModel?.capabilities.negativePrompt ?? false)

  useEffect(() => {
    if (!stylesLoaded) void loadStyles()
  }, [stylesLoaded, loadStyles])

  const roll = async () => {
    const p = await random(Math.floor(Math.random() * 2 ** 31))
    if (p) update(tab, { prompt: p.positive, negativePrompt: p.negative || form.negativePrompt })
  }

  return (
    <div className="space-y-3">
      <PromptField
        label="Prompt"
        value={form.prompt}
        onChange={(prompt) => update(tab, { prompt })}
        placeholder="Describe the image…  (Ctrl+Enter to generate)"
        testId="prompt"
        rows={4}
      />
      {showNegative && (
        <PromptField
          label="Negative prompt"
          value={form.negativePrompt}
          onChange={(negativePrompt) => update(tab, { negativePrompt })}
          placeholder="What to avoid"
          testId="negative-prompt"
          rows={2}
          negative
        />
      )}
      <div className="flex flex-wrap items-center gap-1.5">
        <Tip label="A random prompt">
          <Button variant="secondary" size="sm" onClick={() => void roll()} data-testid="random-prompt">
            <Dices />
            Random
          </Button>
        </Tip>
        <DropdownMenu>
          <DropdownMenuTrigger asChild>
            <Button variant="secondary" size="sm" data-testid="styles-menu">
              <Palette />
              Styles
            </Button>
          </DropdownMenuTrigger>
          <DropdownMenuContent align="start" className="w-64">
            <DropdownMenuLabel>Apply a style</DropdownMenuLabel>
            {styles.length === 0 && <div className="px-2 py-2 text-[12px] text-muted-foreground">No styles saved yet.</div>}
            {styles.map((s) => (
              <DropdownMenuItem
                key={s.name}
                onSelect={() =>
                  update(tab, (f) => ({
                    prompt: applyStyleText(s.prompt, f.prompt),
                    negativePrompt: applyStyleText(s.negativePrompt, f.negativePrompt),
                  }))
                }
              >
                <div className="min-w-0">
                  <div className="truncate">{s.name}</div>
                  <div className="truncate text-[11px] text-muted-foreground">{s.prompt}</div>
                </div>
              </DropdownMenuItem>
            ))}
          </DropdownMenuContent>
        </DropdownMenu>
        {!cloud && (
          <Button variant="secondary" size="sm" onClick={() => setLoraOpen(true)} data-testid="lora-button">
            <Layers />
            LoRA
          </Button>
        )}
      </div>
      <LoraBrowser
        open={loraOpen}
        onOpenChange={setLoraOpen}
        onAdd={(name, w) => update(tab, (f) => ({ prompt: insertLora(f.prompt, name, w) }))}
      />
    </div>
  )
}
