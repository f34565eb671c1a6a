import { toast } from 'sonner'
import type { Notice } from './types'

/** Shows a notice as a toast. Errors stay longer: they usually need reading. */
export function showNotice(n: Notice): void {
  switch (n.level) {
    case 'error':
      toast.error(n.message, { duration: 8000 })
      break
    case 'warning':
      toast.warning(n.message, { duration: 6000 })
      break
    default:
      toast(n.message)
  }
}

export const notify = {
  success: (message: string) => toast.success(message),
  error: (message: string) => showNotice({ level: 'error', message }),
  info: (message: string) => showNotice({ level: 'info', message }),
}
