import { useState } from 'react'
import type * as React from 'react'
import { ModelPicker } from './ModelPicker'
import { QueueButton, QueuePanel } from './QueuePanel'
import { ThemeToggle } from './ThemeToggle'

export function TopBar({ title, subtitle, showModelPicker = true }: { title: string; subtitle?: React.ReactNode; showModelPicker?: boolean }) {
  const [queueOpen, setQueueOpen] = useState(false)
  return (
    <header className="flex h-12 shrink-0 items-center gap-3 border-b bg-background/80 px-5 backdrop-blur">
      <div className="flex min-w-0 items-baseline gap-2.5">
        <h1 className="text-[14px] font-semibold">{title}</h1>
        {subtitle && <span className="truncate text-[12px] text-muted-foreground">{subtitle}</span>}
      </div>
      <div className="ml-auto flex items-center gap-2">
        {showModelPicker && <ModelPicker />}
        <QueueButton onClick={() => setQueueOpen(true)} />
        <ThemeToggle />
      </div>
      <QueuePanel open={queueOpen} onOpenChange={setQueueOpen} />
    </header>
  )
}
