import { act, fireEvent, render, screen, within } from '@testing-library/react'
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
