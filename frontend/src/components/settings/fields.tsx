import { FolderOpen } from 'lucide-react'
import { useEffect, useState } from 'react'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select'
import { cn } from '@/lib/utils'

/**
 * A number input that lets the user pass through invalid text (an empty box
 * while retyping) without writing NaN into the settings: only a finite value
 * reaches onChange.
 */
export function NumberField({
  id,
  value,
  onChange,
  min,
  max,
  step,
  invalid,
  className,
  integer = true,
  ...rest
}: {
  id: string
  value: number
  onChange: (v: number) => void
  min?: number
  max?: number
  step?: number
  invalid?: boolean
  className?: string
  integer?: boolean
  'data-testid'?: string
}) {
  const [text, setText] = useState(String(value))
  useEffect(() => {
    setText((t) => (Number(t) === value && t.trim() !== '' ? t : String(value)))
  }, [value])
  const bad = text.trim() === '' || !Number.isFinite(Number(text)) || (integer && !Number.isInteger(Number(text)))
  return (
    <Input
      id={id}
      type="number"
      inputMode={integer ? 'numeric' : 'decimal'}
      value={text}
      min={min}
      max={max}
      step={step ?? (integer ? 1 : 0.5)}
      aria-invalid={invalid || bad || undefined}
      onChange={(e) => {
        const t = e.target.value
        setText(t)
        const n = Number(t)
        if (t.trim() !== '' && Number.isFinite(n) && (!integer || Number.isInteger(n))) onChange(n)
      }}
      className={cn('tabular-nums', className)}
      {...rest}
    />
  )
}

export function FolderField({
  id,
  value,
  placeholder,
  onChange,
  onBrowse,
  invalid,
}: {
  id: string
  value: string
  placeholder?: string
  onChange: (v: string) => void
  onBrowse: () => void
  invalid?: boolean
}) {
  return (
    <div className="flex gap-2">
      <Input
        id={id}
        value={value}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={invalid || undefined}
        className="font-mono text-[12px]"
        spellCheck={false}
      />
      <Button variant="secondary" onClick={onBrowse}>
        <FolderOpen />
        Browse…
      </Button>
    </div>
  )
}

export function ChoiceField({
  id,
  value,
  options,
  onChange,
  invalid,
}: {
  id: string
  value: string
  options: readonly { id: string; label: string }[]
  onChange: (v: string) => void
  invalid?: boolean
}) {
  const known = options.some((o) => o.id === value)
  return (
    <Select value={value} onValueChange={onChange}>
      <SelectTrigger id={id} aria-invalid={invalid || undefined}>
        <SelectValue />
      </SelectTrigger>
      <SelectContent>
        {!known && value !== '' && <SelectItem value={value}>{value}</SelectItem>}
        {options.map((o) => (
          <SelectItem key={o.id} value={o.id}>
            {o.label}
          </SelectItem>
        ))}
      </SelectContent>
    </Select>
  )
}
