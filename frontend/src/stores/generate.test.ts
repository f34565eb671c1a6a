import { act } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { api } from '@/lib/api'
import { EVENTS } from '@/lib/events'
import type { Job } from '@/lib/types'
import { backend, emit } from '@/test/fake-api'
import { makeModel, makeOutput, makeSettings } from '@/test/fixtures'
import { useCatalogStore } from './catalog'
import { useGenerateStore } from './generate'
import { useJobsStore } from './jobs'
import { useSettingsStore } from './settings'

async function withSettings(checkpoint = 'ck1') {
  backend.settings = makeSettings({
    generation: { ...makeSettings().generation, checkpoint, steps: 30, sampler: 'dpmpp_2m', scheduler: 'karras', width: 768, height: 512, clipSkip: 2 },
  })
  await useSettingsStore.getState().load()
}

const job = (over: Partial<Job>): Job => ({ id: 'j1', state: 'running', ...over })

describe('generate store', () => {
  it('submits a request built from the settings defaults and the edits', async () => {
    await withSettings()
    const s = useGenerateStore.getState()
    s.update('txt2img', { prompt: 'a red fox', seed: 42 })
    const j = await s.submit('txt2img')
    expect(api.generate).toHaveBeenCalledTimes(1)
    expect(vi.mocked(api.generate).mock.calls[0]?.[0]).toMatchObject({
      model: 'ck1',
      mode: 'txt2img',
      prompt: 'a red fox',
      seed: 42,
      steps: 30,
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
      width: 768,
      height: 512,
      clipSkip: 2,
      hires: null,
    })
    expect(useGenerateStore.getState().jobIds.txt2img).toBe(j?.id)
    expect(useJobsStore.getState().jobs.map((x) => x.id)).toEqual([j?.id])
  })

  it('refuses to submit without a checkpoint or, for Img2Img, without an image', async () => {
    await withSettings('')
    expect(await useGenerateStore.getState().submit('txt2img')).toBeNull()
    await withSettings('ck')
    expect(await useGenerateStore.getState().submit('img2img')).toBeNull()
    expect(api.generate).not.toHaveBeenCalled()
  })

  it('follows changed settings until the form is edited, and keeps forms per tab', async () => {
    await withSettings()
    expect(useGenerateStore.getState().form('txt2img').steps).toBe(30)
    useGenerateStore.getState().update('img2img', { steps: 11 })
    expect(useGenerateStore.getState().form('img2img').steps).toBe(11)
    expect(useGenerateStore.getState().form('txt2img').steps).toBe(30)
  })

  it('persists the forms for the session', async () => {
    await withSettings()
    useGenerateStore.getState().update('txt2img', { prompt: 'kept' })
    const saved = JSON.parse(sessionStorage.getItem('dreamlayer.generate') ?? '{}')
    expect(saved.state.forms.txt2img.prompt).toBe('kept')
  })

  it('interrupts the tab’s running job', async () => {
    await withSettings()
    const j = await useGenerateStore.getState().submit('txt2img')
    useJobsStore.getState().applyJob({ ...(j as Job), state: 'running' })
    await useGenerateStore.getState().interrupt('txt2img')
    expect(api.cancelJob).toHaveBeenCalledWith(j?.id)
  })

  it('uploads a dropped image and uses its path', async () => {
    await withSettings()
    const file = new File([new Uint8Array([137, 80, 78, 71])], 'in.png', { type: 'image/png' })
    expect(await useGenerateStore.getState().uploadInitImage(file)).toBe(true)
    expect(api.saveUpload).toHaveBeenCalledWith('in.png', 'iVBORw==')
    const f = useGenerateStore.getState().form('img2img')
    expect(f.initImage).toBe('/cache/uploads/in.png')
    expect(f.initPreview).toMatch(/^data:image\/png;base64,/)
  })

  it('reuses a job’s parameters in its tab and selects its checkpoint', async () => {
    await withSettings('other')
    backend.models = [makeModel({ name: 'fox', id: 'ck-fox', path: '/models/checkpoints/fox.safetensors' })]
    await useCatalogStore.getState().load()
    useGenerateStore.getState().reuse(
      job({
        state: 'done',
        request: { provider: 'local', model: '/models/checkpoints/fox.safetensors', mode: 'img2img', prompt: 'again', negativePrompt: '', params: { steps: 12, seed: 5 } },
      }),
    )
    const s = useGenerateStore.getState()
    expect(s.tab).toBe('img2img')
    expect(s.form('img2img')).toMatchObject({ prompt: 'again', steps: 12, seed: 5 })
    await vi.waitFor(() => expect(useSettingsStore.getState().settings?.generation.checkpoint).toBe('ck-fox'))
  })

  it('applies PNG Info parameters to Txt2Img', async () => {
    await withSettings()
    useGenerateStore.getState().setTab('img2img')
    useGenerateStore.getState().applyParameters({
      prompt: 'x', negative_prompt: '', steps: 7, sampler: 'Euler a', schedule: 'Automatic', cfg_scale: 3, seed: 99, width: 640, height: 640,
    })
    expect(useGenerateStore.getState().tab).toBe('txt2img')
    expect(useGenerateStore.getState().form('txt2img')).toMatchObject({ prompt: 'x', steps: 7, sampler: 'euler_a', scheduler: 'karras', seed: 99 })
  })

  it('finds a finished job’s images in the gallery by path', async () => {
    backend.outputs = [makeOutput(2, { path: '/out/b.png' }), makeOutput(1, { path: '/out/a.png' })]
    await useGenerateStore.getState().loadResults(job({ state: 'done', outputs: [{ path: '/out/a.png', width: 8, height: 8, seed: 1 }] }))
    expect(useGenerateStore.getState().results.j1?.map((i) => i.id)).toEqual(['o1'])
  })
})

describe('jobs store', () => {
  it('keeps only the latest preview per job, and keeps it through progress without one', () => {
    const off = useJobsStore.getState().listen()
    act(() => emit(EVENTS.jobsProgress, { jobId: 'j1', step: 1, total: 3, etaSeconds: 2, preview: 'data:image/png;base64,AA' }))
    act(() => emit(EVENTS.jobsProgress, { jobId: 'j1', step: 2, total: 3, etaSeconds: 1, preview: 'data:image/png;base64,BB' }))
    expect(useJobsStore.getState().progress.j1).toMatchObject({ step: 2, preview: 'data:image/png;base64,BB' })
    act(() => emit(EVENTS.jobsProgress, { jobId: 'j1', step: 3, total: 3, etaSeconds: 0, message: 'Decoding' }))
    expect(useJobsStore.getState().progress.j1).toMatchObject({ step: 3, message: 'Decoding', preview: 'data:image/png;base64,BB' })
    off()
  })

  it('clears finished jobs', async () => {
    useJobsStore.setState({ jobs: [job({ id: 'a', state: 'done' }), job({ id: 'b', state: 'running' }), job({ id: 'c', state: 'failed' })] })
    await useJobsStore.getState().clearFinished()
    expect(api.clearFinishedJobs).toHaveBeenCalled()
    expect(useJobsStore.getState().jobs.map((j) => j.id)).toEqual(['b'])
  })
})
