import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { api } from '@/lib/api'
import { useGenerateStore } from '@/stores/generate'
import { useSettingsStore } from '@/stores/settings'
import { PngInfoPage } from './PngInfoPage'

const a1111 = {
  source: 'a1111' as const,
  parameters: {
    prompt: 'a lighthouse at dusk',
    negative_prompt: 'blurry',
    steps: 28,
    sampler: 'DPM++ 2M',
    schedule: 'Karras',
    cfg_scale: 6.5,
    seed: 3141592653,
    width: 832,
    height: 1216,
    model: 'juggernautXL',
    clip_skip: 2,
    extra: [{ key: 'Version', value: 'v1.10.1' }],
  },
  chunks: { parameters: 'a lighthouse at dusk\nSteps: 28' },
}

function drop(file: File) {
  fireEvent.drop(screen.getByTestId('pnginfo-dropzone'), { dataTransfer: { files: [file] } })
}

describe('PngInfoPage', () => {
  it('reads a dropped PNG, shows its parameters and sends them to Txt2Img', async () => {
    await useSettingsStore.getState().load()
    vi.mocked(api.readPNGInfoData).mockResolvedValue(a1111)
    window.location.hash = '#/pnginfo'
    render(<PngInfoPage />)
    drop(new File([new Uint8Array([137, 80, 78, 71])], 'shot.png', { type: 'image/png' }))
    await waitFor(() => expect(api.readPNGInfoData).toHaveBeenCalledWith('iVBORw=='))
    expect(await screen.findByTestId('pnginfo-source')).toHaveTextContent('AUTOMATIC1111')
    expect(screen.getByTestId('pnginfo-prompt')).toHaveTextContent('a lighthouse at dusk')
    const params = screen.getByTestId('pnginfo-params')
    expect(params).toHaveTextContent('DPM++ 2M')
    expect(params).toHaveTextContent('3141592653')
    expect(params).toHaveTextContent('832 × 1216')
    expect(params).toHaveTextContent('v1.10.1')

    fireEvent.click(screen.getByTestId('pnginfo-send'))
    expect(window.location.hash).toBe('#/generate')
    const s = useGenerateStore.getState()
    expect(s.tab).toBe('txt2img')
    expect(s.form('txt2img')).toMatchObject({
      prompt: 'a lighthouse at dusk',
      negativePrompt: 'blurry',
      steps: 28,
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
      cfgScale: 6.5,
      seed: 3141592653,
      width: 832,
      height: 1216,
      clipSkip: 2,
    })
  })

  it('says when an image has no parameters and offers nothing to send', async () => {
    vi.mocked(api.readPNGInfoData).mockResolvedValue({ source: 'none', chunks: {} })
    render(<PngInfoPage />)
    drop(new File([new Uint8Array([1])], 'plain.png', { type: 'image/png' }))
    expect(await screen.findByText('This image carries no generation parameters.')).toBeInTheDocument()
    expect(screen.getByTestId('pnginfo-send')).toBeDisabled()
  })

  it('shows the backend’s error for a file it cannot read', async () => {
    vi.mocked(api.readPNGInfoData).mockRejectedValue(new Error('not a PNG file'))
    render(<PngInfoPage />)
    drop(new File([new Uint8Array([1])], 'x.png', { type: 'image/png' }))
    expect(await screen.findByText('not a PNG file')).toBeInTheDocument()
  })
})
