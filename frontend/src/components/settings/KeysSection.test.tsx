import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { api } from '@/lib/api'
import { useKeysStore } from '@/stores/keys'
import { backend } from '@/test/fake-api'
import { makeKeyState } from '@/test/fixtures'
import { KeysSection } from './KeysSection'

const SECRET = 'sk-test-SUPERSECRET-1234abcd'

async function renderKeys() {
  await useKeysStore.getState().load()
  render(<KeysSection />)
}

const row = (provider: string) => {
  const el = screen.getAllByTestId('key-row').find((r) => r.getAttribute('data-provider') === provider)
  if (!el) throw new Error(`no row for ${provider}`)
  return el
}

describe('KeysSection', () => {
  it('saves a key and never shows it again', async () => {
    await renderKeys()
    const openai = row('openai')
    expect(within(openai).getByTestId('key-state')).toHaveTextContent('Not set')
    const input = within(openai).getByLabelText('OpenAI')
    expect(input).toHaveAttribute('type', 'password')

    fireEvent.change(input, { target: { value: SECRET } })
    await act(async () => fireEvent.click(within(openai).getByRole('button', { name: 'Save' })))

    expect(api.setKey).toHaveBeenCalledWith('openai', SECRET)
    expect(input).toHaveValue('')
    expect(within(openai).getByTestId('key-state')).toHaveTextContent('Set (…abcd) from keychain')
    expect(document.body.innerHTML).not.toContain(SECRET)
    expect(JSON.stringify(useKeysStore.getState())).not.toContain(SECRET)
  })

  it('keeps the typed key and shows the error when saving fails', async () => {
    await renderKeys()
    vi.mocked(api.setKey).mockRejectedValueOnce(new Error('keychain locked'))
    const input = within(row('ideogram')).getByLabelText('Ideogram')
    fireEvent.change(input, { target: { value: 'idg-key-5678' } })
    await act(async () => fireEvent.click(within(row('ideogram')).getByRole('button', { name: 'Save' })))
    expect(within(row('ideogram')).getByRole('alert')).toHaveTextContent('keychain locked')
    expect(within(row('ideogram')).getByTestId('key-state')).toHaveTextContent('Not set')
  })

  it('removes a saved key and warns when the keychain is unavailable', async () => {
    backend.keys = makeKeyState({
      keychainAvailable: false,
      message: 'no secret service',
      keys: [{ provider: 'bfl', name: 'BFL', set: true, source: 'session', last4: '9z9z', envVar: 'BFL_API_KEY' }],
    })
    await renderKeys()
    expect(screen.getByTestId('keychain-banner')).toHaveTextContent('no secret service')
    expect(within(row('bfl')).getByTestId('key-state')).toHaveTextContent('Set (…9z9z) from this session')
    await act(async () => fireEvent.click(within(row('bfl')).getByRole('button', { name: 'Remove' })))
    expect(api.deleteKey).toHaveBeenCalledWith('bfl')
    expect(within(row('bfl')).getByTestId('key-state')).toHaveTextContent('Not set')
  })

  it('offers no Remove for a key that comes from the environment', async () => {
    backend.keys = makeKeyState({
      keys: [{ provider: 'openai', name: 'OpenAI', set: true, source: 'env', last4: 'abcd', envVar: 'OPENAI_API_KEY' }],
    })
    await renderKeys()
    expect(within(row('openai')).queryByRole('button', { name: 'Remove' })).toBeNull()
    expect(within(row('openai')).getByTestId('key-state')).toHaveTextContent('Set (…abcd) from environment')
  })
})

describe('KeysSection: Test key', () => {
  it('shows valid, invalid and unreachable answers inline, per provider', async () => {
    backend.keys = makeKeyState({ keys: makeKeyState().keys.map((k) => ({ ...k, set: true, source: 'keychain' as const, last4: 'abcd' })) })
    backend.keyTests = {
      openai: { provider: 'openai', status: 'valid', message: 'The key works' },
      ideogram: { provider: 'ideogram', status: 'unreachable', message: 'dial tcp: connection refused' },
    }
    await renderKeys()
    expect(screen.queryByTestId('key-test-result-openai')).toBeNull()

    await act(async () => {
      fireEvent.click(screen.getByTestId('test-key-openai'))
    })
    expect(api.testKey).toHaveBeenCalledWith('openai')
    const ok = await screen.findByTestId('key-test-result-openai')
    expect(ok).toHaveAttribute('data-status', 'valid')
    expect(ok).toHaveTextContent('Valid')
    expect(ok).toHaveTextContent('The key works')

    await act(async () => {
      fireEvent.click(screen.getByTestId('test-key-ideogram'))
    })
    const down = await screen.findByTestId('key-test-result-ideogram')
    expect(down).toHaveAttribute('data-status', 'unreachable')
    expect(down).toHaveTextContent('Unreachable')
    expect(down).toHaveTextContent('connection refused')

    backend.keyTests.openai = { provider: 'openai', status: 'invalid', message: 'Incorrect API key provided' }
    await act(async () => {
      fireEvent.click(screen.getByTestId('test-key-openai'))
    })
    await waitFor(() => expect(screen.getByTestId('key-test-result-openai')).toHaveAttribute('data-status', 'invalid'))
    expect(screen.getByTestId('key-test-result-openai')).toHaveTextContent('Incorrect API key provided')
  })

  it('cannot test a provider without a key, and a changed key clears the old answer', async () => {
    backend.keyTests = { openai: { provider: 'openai', status: 'invalid', message: 'bad' } }
    await renderKeys()
    expect(screen.getByTestId('test-key-openai')).toBeDisabled()
    fireEvent.change(within(row('openai')).getByLabelText('OpenAI'), { target: { value: 'sk-first-key-0001' } })
    await act(async () => {
      fireEvent.submit(within(row('openai')).getByLabelText('OpenAI').closest('form') as HTMLFormElement)
    })
    await act(async () => {
      fireEvent.click(screen.getByTestId('test-key-openai'))
    })
    expect(await screen.findByTestId('key-test-result-openai')).toHaveAttribute('data-status', 'invalid')
    await act(async () => {
      await useKeysStore.getState().setKey('openai', 'sk-second-key-0002')
    })
    expect(screen.queryByTestId('key-test-result-openai')).toBeNull()
  })
})
