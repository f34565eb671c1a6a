// Sampler and scheduler ids as the engine knows them, with the names A1111
// users recognise.

export interface Choice {
  id: string
  label: string
}

export const SAMPLERS: readonly Choice[] = [
  { id: 'euler', label: 'Euler' },
  { id: 'euler_a', label: 'Euler a' },
  { id: 'heun', label: 'Heun' },
  { id: 'dpm_2', label: 'DPM2' },
  { id: 'dpm_2_a', label: 'DPM2 a' },
  { id: 'dpmpp_2s_a', label: 'DPM++ 2S a' },
  { id: 'dpmpp_2m', label: 'DPM++ 2M' },
  { id: 'dpmpp_2m_sde', label: 'DPM++ 2M SDE' },
  { id: 'dpmpp_3m_sde', label: 'DPM++ 3M SDE' },
  { id: 'dpmpp_sde', label: 'DPM++ SDE' },
  { id: 'lms', label: 'LMS' },
  { id: 'ddim', label: 'DDIM' },
  { id: 'plms', label: 'PLMS' },
  { id: 'uni_pc', label: 'UniPC' },
  { id: 'lcm', label: 'LCM' },
]

export const SCHEDULERS: readonly Choice[] = [
  { id: 'normal', label: 'Normal' },
  { id: 'karras', label: 'Karras' },
  { id: 'exponential', label: 'Exponential' },
  { id: 'sgm_uniform', label: 'SGM Uniform' },
  { id: 'simple', label: 'Simple' },
  { id: 'ddim_uniform', label: 'DDIM Uniform' },
  { id: 'beta', label: 'Beta' },
  { id: 'align_your_steps', label: 'Align Your Steps' },
]
