import { clsx, type ClassValue } from 'clsx'
import { twMerge } from 'tailwind-merge'

export function cn(...inputs: ClassValue[]): string {
  return twMerge(clsx(inputs))
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const

/** Human-readable byte size in binary units with one decimal (e.g. "1.9 GB"). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—'
  let v = n
  let u = 0
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024
    u++
  }
  const digits = u === 0 || v >= 100 ? 0 : 1
  return `${v.toFixed(digits)} ${UNITS[u]}`
}

/** Turns whatever a rejected binding gave us (Wails rejects with a string) into a message. */
export function errorMessage(e: unknown): string {
  if (typeof e === 'string') return e
  if (e instanceof Error) return e.message
  if (e && typeof e === 'object' && 'message' in e && typeof e.message === 'string') return e.message
  return String(e)
}

export function formatDate(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}
