import { CheckCircle2, KeyRound, Loader2, ShieldAlert, WifiOff, XCircle } from 'lucide-react'
import { useState } from 'react'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Skeleton } from '@/components/ui/skeleton'
import { notify } from '@/lib/notify'
import type { KeyStatus, KeyTest } from '@/lib/types'
import { cn } from '@/lib/utils'
import { useKeysStore } from '@/stores/keys'
import { Section } from './layout'

const SOURCE_LABEL: Record<KeyStatus['source'], string> = {
  keychain: 'keychain',
  env: 'environment',
  session: 'this session',
  '': '',
}

export function keyStateLabel(k: KeyStatus): string {
  if (!k.set) return 'Not set'
  const last = k.last4 ? ` (…${k.last4})` : ''
  const from = SOURCE_LABEL[k.source]
  return `Set${last}${from ? ` from ${from}` : ''}`
}

const TEST_LABEL: Record<KeyTest['status'], string> = {
  valid: 'Valid',
  invalid: 'Invalid',
  unreachable: 'Unreachable',
}

function KeyTestResult({ result }: { result: KeyTest }) {
  const Icon = result.status === 'valid' ? CheckCircle2 : result.status === 'invalid' ? XCircle : WifiOff
  return (
    <p
      role="status"
      data-testid={`key-test-result-${result.provider}`}
      data-status={result.status}
      className={cn(
        'mt-1.5 flex items-center gap-1.5 pl-11 text-[12px]',
        result.status === 'valid' ? 'text-success' : result.status === 'invalid' ? 'text-destructive' : 'text-warning',
      )}
    >
      <Icon className="size-3.5 shrink-0" />
      <span className="font-medium">{TEST_LABEL[result.status] ?? result.status}</span>
      {result.message && <span className="text-muted-foreground">· {result.message}</span>}
    </p>
  )
}

function KeyRow({ status }: { status: KeyStatus }) {
  const testing = useKeysStore((s) => s.testing[status.provider] ?? false)
  const test = useKeysStore((s) => s.tests[status.provider])
  const testKey = useKeysStore((s) => s.testKey)
  const busy = useKeysStore((s) => s.busy[status.provider] ?? false)
  const error = useKeysStore((s) => s.errors[status.provider])
  const setKey = useKeysStore((s) => s.setKey)
  const deleteKey = useKeysStore((s) => s.deleteKey)
  // The typed key lives only in this input until it is sent; it is cleared once
  // saved and never read back from the backend.
  const [value, setValue] = useState('')
  const inputId = `key-${status.provider}`
  const fromEnv = status.source === 'env'

  const save = async () => {
    const key = value.trim()
    if (!key) return
    if (await setKey(status.provider, key)) {
      setValue('')
      notify.success(`${status.name} key saved`)
    }
  }

  return (
    <div className="px-4 py-3" data-testid="key-row" data-provider={status.provider}>
      <div className="flex items-center gap-3">
        <div className="flex size-8 shrink-0 items-center justify-center rounded-md border bg-muted">
          <KeyRound className="size-4 text-muted-foreground" />
        </div>
        <div className="min-w-0 flex-1">
          <label htmlFor={inputId} className="text-[13px] font-medium">
            {status.name}
          </label>
          <div className="text-[12px] text-muted-foreground">
            or set <span className="font-mono">{status.envVar}</span>
          </div>
        </div>
        <Badge tone={status.set ? 'success' : 'neutral'} data-testid="key-state">
          {keyStateLabel(status)}
        </Badge>
      </div>
      <form
        className="mt-2.5 flex gap-2 pl-11"
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
      >
        <Input
          id={inputId}
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder={status.set ? 'Paste a new key to replace it' : 'Paste your API key'}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          aria-invalid={error ? true : undefined}
          className="font-mono text-[12px]"
        />
        <Button type="submit" variant={status.set ? 'secondary' : 'default'} disabled={busy || value.trim() === ''}>
          {busy && <Loader2 className="animate-spin" />}
          {status.set ? 'Replace' : 'Save'}
        </Button>
        <Button
          variant="secondary"
          disabled={testing || !status.set}
          data-testid={`test-key-${status.provider}`}
          onClick={() => void testKey(status.provider)}
        >
          {testing && <Loader2 className="animate-spin" />}
          Test key
        </Button>
        {status.set && !fromEnv && (
          <Button
            variant="ghost"
            className="text-destructive hover:bg-destructive/10 hover:text-destructive"
            disabled={busy}
            onClick={() => void deleteKey(status.provider)}
          >
            Remove
          </Button>
        )}
      </form>
      {test && <KeyTestResult result={test} />}
      {fromEnv && (
        <p className="mt-1.5 pl-11 text-[12px] text-muted-foreground">
          Read from <span className="font-mono">{status.envVar}</span>, which wins over a saved key. Unset it to use the keychain.
        </p>
      )}
      {error && (
        <p role="alert" className="mt-1.5 pl-11 text-[12px] text-destructive">
          {error}
        </p>
      )}
    </div>
  )
}

export function KeysSection() {
  const state = useKeysStore((s) => s.state)
  const loading = useKeysStore((s) => s.loading)
  const loadError = useKeysStore((s) => s.loadError)
  return (
    <Section id="keys" title="API keys" description="For cloud models. Keys are stored in your system keychain, never in the settings file.">
      {state && !state.keychainAvailable && (
        <div role="status" data-testid="keychain-banner" className="flex gap-2.5 bg-warning/10 px-4 py-3 text-[12.5px]">
          <ShieldAlert className="mt-0.5 size-4 shrink-0 text-warning" />
          <div>
            <div className="font-medium text-foreground">The system keychain is unavailable</div>
            <div className="mt-0.5 text-muted-foreground">
              {state.message || 'Keys you enter are kept for this session only.'}
            </div>
          </div>
        </div>
      )}
      {loadError && (
        <div role="alert" className="px-4 py-3 text-[13px] text-destructive">
          Could not read key state: {loadError}
        </div>
      )}
      {!state && loading && (
        <div className="space-y-3 px-4 py-4">
          <Skeleton className="h-8 w-full" />
          <Skeleton className="h-8 w-full" />
        </div>
      )}
      {state?.keys.map((k) => <KeyRow key={k.provider} status={k} />)}
    </Section>
  )
}
