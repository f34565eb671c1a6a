import { Toaster as Sonner } from 'sonner'
import type { Theme } from '@/lib/types'

export function Toaster({ theme }: { theme: Exclude<Theme, 'system'> }) {
  return (
    <Sonner
      theme={theme}
      position="bottom-right"
      closeButton
      toastOptions={{
        classNames: {
          toast: '!bg-popover !text-popover-foreground !border-border !shadow-xl !rounded-lg !text-[13px]',
          description: '!text-muted-foreground',
        },
      }}
    />
  )
}
