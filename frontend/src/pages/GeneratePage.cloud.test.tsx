import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { TooltipProvider } from '@/components/ui/tooltip'
import { api } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import { useCatalogStore } from '@/stores/catalog'
import { useCloudStore } from '@/stores/cloud'
import { useGenerateStore } from '@/stores/generate'
import { useKeysStore } from '@/stores/keys'
import { useSettingsStore } from '@/stores/settings'
import { backend, emit } from '@/test/fake-api'
import { dalle3, fluxUltra, ideogram3, makeKeyState, makeModel, makeSettings } from '@/test/fixtures'
import { GeneratePage } from './GeneratePage'

// OpenAI and Ideogram have keys; FLUX has none, so its models are locked.
async function setup() {
  backend.models = [makeModel({ name: 'tiny', id: 'ck1' })]
  backend.settings = makeSettings({ generation: { ...makeSettings().generation, checkpoint: 'ck1' } })
  const keys = makeKeyState().keys.map((k) => ({ ...k, set: true, source: 'keychain' as const, last4: 'abcd' }))
  backend.keys = makeKeyState({ keys: [...keys, { provider: 'bfl', name: 'Black Forest Labs', set: false, source: '', last4: '', envVar: 'BFL_API_KEY' }] })
  backend.cloudModels = [dalle3(), ideogram3(), fluxUltra()]
  await Promise.all([useSettingsStore.getState().load(), useCatalogStore.getState().load(), useCloudStore.getState().load(), useKeysStore.getState().load()])
  const off = useCloudStore.getState().listen()
  render(
    <TooltipProvider>
      <GeneratePage />
    </TooltipProvider>,
  )
  return off
}

function openPicker() {
  fireEvent.keyDown(screen.getByTestId('model-picker'), { key: 'Enter' })
  return screen.getByRole('listbox')
}

function pick(testId: string) {
  openPicker()
  fireEvent.click(screen.getByTestId(testId))
}

describe('GeneratePage with cloud models', () => {
  it('lists cloud providers under the checkpoints, with locked models offering "Add key"', async () => {
    const off = await setup()
    const list = openPicker()
    const openai = within(list).getByTestId('cloud-group-openai')
    expect(openai).toHaveTextContent('OpenAI')
    expect(within(openai).getByTestId('cloud-model-dall-e-3')).toHaveTextContent('DALL·E 3')
    expect(within(list).getByTestId('cloud-group-ideogram')).toHaveTextContent('Ideogram 3.0')
    const bfl = within(list).getByTestId('cloud-group-bfl')
    expect(bfl).toHaveTextContent('FLUX (Black Forest Labs)')
    const locked = within(bfl).getByTestId('cloud-locked')
    expect(locked).toHaveTextContent('FLUX 1.1 [pro] Ultra')
    expect(within(locked).getByLabelText('Locked')).toBeInTheDocument()
    expect(within(bfl).queryByRole('option')).toBeNull()
    // The local checkpoint is still first.
    expect(within(list).getAllByRole('option')[0]).toHaveTextContent('tiny')

    window.location.hash = '#/generate'
    fireEvent.click(within(locked).getByTestId('add-key-bfl'))
    expect(window.location.hash).toBe('#/settings')
    off()
  })

  it('unlocks a provider once its key is saved, and reloads on settings:changed', async () => {
    const off = await setup()
    await act(async () => {
      await useKeysStore.getState().setKey('bfl', 'bfl-key-123456')
    })
    await waitFor(() => expect(useCloudStore.getState().models.find((m) => m.provider === 'bfl')?.locked).toBe(false))
    const list = openPicker()
    expect(within(list).getByTestId('cloud-model-flux-pro-1.1-ultra')).toBeInTheDocument()

    const calls = vi.mocked(api.listCloudModels).mock.calls.length
    await act(async () => emit(EVENTS.settingsChanged, backend.settings))
    await waitFor(() => expect(vi.mocked(api.listCloudModels).mock.calls.length).toBe(calls + 1))
    off()
  })

  it('adapts the form to DALL·E 3 and sends a cloud request', async () => {
    const off = await setup()
    expect(screen.getByTestId('steps-input')).toBeInTheDocument()
    pick('cloud-model-dall-e-3')

    expect(await screen.findByTestId('cloud-params')).toBeInTheDocument()
    expect(screen.getByTestId('model-picker')).toHaveTextContent('DALL·E 3')
    for (const id of ['steps-input', 'cfg-input', 'sampler-select', 'scheduler-select', 'clip-skip', 'vae-select', 'hires-disclosure', 'refiner-disclosure', 'lora-button', 'seed-input', 'negative-prompt', 'cloud-aspect']) {
      expect(screen.queryByTestId(id), id).toBeNull()
    }
    expect(screen.getByTestId('cloud-size')).toHaveTextContent('1024×1024')
    expect(screen.getByTestId('cloud-images')).toHaveAttribute('max', '1')
    expect(screen.getByTestId('cloud-option-quality')).toHaveTextContent('standard')
    expect(screen.getByTestId('cloud-option-style')).toHaveTextContent('vivid')

    // Pick HD quality and the wide size through the controls.
    fireEvent.keyDown(screen.getByTestId('cloud-option-quality'), { key: 'Enter' })
    fireEvent.click(within(screen.getByRole('listbox')).getByRole('option', { name: 'hd' }))
    fireEvent.keyDown(screen.getByTestId('cloud-size'), { key: 'Enter' })
    fireEvent.click(within(screen.getByRole('listbox')).getByRole('option', { name: '1792×1024' }))
    fireEvent.change(screen.getByTestId('prompt'), { target: { value: 'a lighthouse' } })

    await act(async () => {
      await useGenerateStore.getState().submit('txt2img')
    })
    expect(api.generate).toHaveBeenCalledTimes(1)
    const req = vi.mocked(api.generate).mock.calls[0]?.[0]
    expect(req).toMatchObject({
      provider: 'openai',
      model: 'dall-e-3',
      mode: 'txt2img',
      prompt: 'a lighthouse',
      size: '1792x1024',
      aspectRatio: '',
      batchSize: 1,
      options: { quality: 'hd', style: 'vivid' },
      hires: null,
      refiner: null,
    })
    off()
  })

  it('shows Ideogram the aspect ratio, image count, seed, negative prompt and one control per option', async () => {
    const off = await setup()
    pick('cloud-model-V_3')
    await screen.findByTestId('cloud-params')
    expect(screen.getByTestId('cloud-aspect')).toHaveTextContent('1x1')
    expect(screen.queryByTestId('cloud-size')).toBeNull()
    expect(screen.getByTestId('seed-input')).toBeInTheDocument()
    expect(screen.getByTestId('negative-prompt')).toBeInTheDocument()
    expect(screen.getByTestId('cloud-images')).toHaveAttribute('max', '8')
    expect(screen.getByTestId('cloud-option-rendering_speed')).toHaveTextContent('BALANCED')
    expect(screen.getByTestId('cloud-option-magic_prompt')).toHaveAttribute('role', 'switch')
    expect(screen.getByTestId('cloud-option-image_weight')).toHaveAttribute('type', 'number')
    expect(screen.getByTestId('cloud-option-image_weight')).toHaveAttribute('max', '100')
    expect(screen.getByTestId('cloud-option-style_type').tagName).toBe('INPUT')

    fireEvent.click(screen.getByTestId('cloud-option-magic_prompt'))
    fireEvent.change(screen.getByTestId('cloud-option-style_type'), { target: { value: 'DESIGN' } })
    fireEvent.change(screen.getByTestId('cloud-images'), { target: { value: '3' } })
    fireEvent.change(screen.getByTestId('seed-input'), { target: { value: '99' } })
    fireEvent.change(screen.getByTestId('negative-prompt'), { target: { value: 'text' } })

    expect(useGenerateStore.getState().request('txt2img')).toMatchObject({
      provider: 'ideogram',
      model: 'V_3',
      aspectRatio: '1x1',
      size: '',
      seed: 99,
      negativePrompt: 'text',
      batchSize: 3,
      options: { rendering_speed: 'BALANCED', magic_prompt: 'true', image_weight: '50', style_type: 'DESIGN' },
    })
    off()
  })

  it('returns to the local form when a checkpoint is picked', async () => {
    const off = await setup()
    pick('cloud-model-dall-e-3')
    await screen.findByTestId('cloud-params')
    openPicker()
    fireEvent.click(screen.getAllByRole('option')[0] as HTMLElement)
    expect(await screen.findByTestId('steps-input')).toBeInTheDocument()
    expect(useGenerateStore.getState().request('txt2img')).toMatchObject({ provider: 'local', model: 'ck1' })
    off()
  })

  it('offers only edit-capable models on Img2Img and sends the init image', async () => {
    const off = await setup()
    fireEvent.mouseDown(screen.getByTestId('tab-img2img'))
    await screen.findByTestId('init-dropzone')
    const list = openPicker()
    expect(within(list).queryByTestId('cloud-group-openai')).toBeNull()
    fireEvent.click(within(list).getByTestId('cloud-model-V_3'))
    await screen.findByTestId('cloud-params')
    expect(screen.queryByTestId('strength-input')).toBeNull()
    act(() => useGenerateStore.getState().update('img2img', { initImage: '/cache/uploads/in.png' }))
    await act(async () => {
      await useGenerateStore.getState().submit('img2img')
    })
    expect(vi.mocked(api.generate).mock.calls[0]?.[0]).toMatchObject({ provider: 'ideogram', model: 'V_3', mode: 'img2img', initImage: '/cache/uploads/in.png' })
    off()
  })

  it('refuses to submit a model whose key was removed', async () => {
    const off = await setup()
    pick('cloud-model-dall-e-3')
    await screen.findByTestId('cloud-params')
    await act(async () => {
      await useKeysStore.getState().deleteKey('openai')
    })
    await waitFor(() => expect(useCloudStore.getState().models.find((m) => m.id === 'dall-e-3')?.locked).toBe(true))
    await act(async () => {
      await useGenerateStore.getState().submit('txt2img')
    })
    expect(api.generate).not.toHaveBeenCalled()
    off()
  })
})

describe('reusing a cloud job', () => {
  it('brings back its cloud model, and a local job the checkpoint form', async () => {
    backend.cloudModels = [dalle3()]
    backend.keys = makeKeyState({ keys: makeKeyState().keys.map((k) => ({ ...k, set: true })) })
    await Promise.all([useSettingsStore.getState().load(), useCloudStore.getState().load()])
    const base = { id: 'j1', state: 'done' as const, progress: { jobId: 'j1', step: 0, total: 0, etaSeconds: 0 }, createdAt: '' }
    act(() => useGenerateStore.getState().reuse({ ...base, request: { provider: 'openai', model: 'dall-e-3', mode: 'txt2img', prompt: 'p', negativePrompt: '' } }))
    expect(useGenerateStore.getState().form('txt2img').cloud).toMatchObject({ provider: 'openai', model: 'dall-e-3' })
    act(() => useGenerateStore.getState().reuse({ ...base, request: { provider: 'local', model: 'ck1', mode: 'txt2img', prompt: 'p', negativePrompt: '' } }))
    expect(useGenerateStore.getState().form('txt2img').cloud).toBeNull()
  })
})
