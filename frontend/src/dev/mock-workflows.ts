// Sample workflow data for the browser's mock backend and the tests: the
// txt2img template as Go describes it (backend/workflowjobs Describe).
import type { LoadedWorkflow, WorkflowField, WorkflowNamedInput, WorkflowNode, WorkflowTemplate } from '@/lib/types'

const SAMPLERS = ['euler', 'euler_ancestral', 'dpmpp_2m', 'dpmpp_2m_sde', 'ddim', 'uni_pc']
const SCHEDULERS = ['normal', 'karras', 'exponential', 'sgm_uniform', 'simple']

function nodes(): WorkflowNode[] {
  const f = (node: string, input: string, type: string, value: unknown, more: Partial<WorkflowField> = {}): WorkflowField => ({ node, input, type, value, ...more })
  return [
    { id: '3', class: 'KSampler', title: 'input:sampler', known: true, fields: [
      f('3', 'seed', 'INT', 0, { min: 0, max: 2 ** 53 }),
      f('3', 'steps', 'INT', 20, { min: 1, max: 10000 }),
      f('3', 'cfg', 'FLOAT', 7, { min: 0, max: 100 }),
      f('3', 'sampler_name', 'COMBO', 'euler', { choices: SAMPLERS }),
      f('3', 'scheduler', 'COMBO', 'normal', { choices: SCHEDULERS }),
      f('3', 'denoise', 'FLOAT', 1, { min: 0, max: 1 }),
    ] },
    { id: '4', class: 'CheckpointLoaderSimple', title: 'input:model', known: true, fields: [f('4', 'ckpt_name', 'STRING', 'model.safetensors', { file: 'checkpoint' })] },
    { id: '5', class: 'EmptyLatentImage', title: 'input:size', known: true, fields: [
      f('5', 'width', 'INT', 512, { min: 16, max: 16384 }),
      f('5', 'height', 'INT', 512, { min: 16, max: 16384 }),
      f('5', 'batch_size', 'INT', 1, { min: 1, max: 4096 }),
    ] },
    { id: '6', class: 'CLIPTextEncode', title: 'input:prompt', known: true, fields: [f('6', 'text', 'STRING', 'a beautiful landscape', { multiline: true })] },
    { id: '7', class: 'CLIPTextEncode', title: 'input:negative', known: true, fields: [f('7', 'text', 'STRING', 'blurry, low quality', { multiline: true })] },
    { id: '8', class: 'VAEDecode', known: true, fields: [] },
    { id: '9', class: 'SaveImage', known: true, fields: [f('9', 'filename_prefix', 'STRING', 'txt2img')] },
  ]
}

function inputs(ns: WorkflowNode[]): WorkflowNamedInput[] {
  return ns
    .filter((n) => n.title?.startsWith('input:'))
    .map((n) => ({ name: n.title!.slice('input:'.length), node: n.id, class: n.class, fields: n.fields }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

export function sampleWorkflow(over: Partial<LoadedWorkflow> = {}): LoadedWorkflow {
  const ns = nodes()
  return {
    name: 'txt2img',
    description: '# txt2img\n\nText to image: ComfyUI’s default graph.',
    source: 'template',
    template: 'txt2img/txt2img',
    graph: '{"3":{"class_type":"KSampler","inputs":{}}}',
    nodes: ns,
    inputs: inputs(ns),
    ...over,
  }
}

export function sampleTemplates(): WorkflowTemplate[] {
  const ins = inputs(nodes())
  const t = (id: string, description: string, builtin = true): WorkflowTemplate => ({ id, name: id.split('/').pop()!, description, builtin, inputs: ins })
  return [
    t('hires/hires', '# hires\n\nTwo passes: a first image, upscaled in latent space and refined.'),
    t('img2img/img2img', '# img2img\n\nImage to image: encode an input picture and resample it.'),
    t('inpaint/inpaint', '# inpaint\n\nRepaint the masked part of a picture.'),
    t('txt2img/txt2img', '# txt2img\n\nText to image: ComfyUI’s default graph.'),
    t('my-portraits', 'Your own template in the data folder.', false),
  ]
}
