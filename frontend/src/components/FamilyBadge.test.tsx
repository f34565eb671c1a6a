import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { FamilyBadge, ModelBadges } from './FamilyBadge'

describe('FamilyBadge', () => {
  it('shows the family label and shares the base family tone with its variants', () => {
    render(
      <>
        <FamilyBadge family="sd1" />
        <FamilyBadge family="sd1-inpaint" />
        <FamilyBadge family="sdxl-refiner" />
      </>,
    )
    const base = screen.getByText('SD 1.x')
    const inpaint = screen.getByText('SD 1.x Inpaint')
    expect(inpaint).toHaveAttribute('data-family', 'sd1-inpaint')
    expect(inpaint.className).toBe(base.className)
    expect(screen.getByText('SDXL Refiner').className).not.toBe(base.className)
  })
})

describe('ModelBadges', () => {
  it('adds a marker only when the family label does not say it already', () => {
    const { container, rerender } = render(<ModelBadges model={{ family: 'sd2-v', inpaint: false, vPrediction: true }} />)
    expect(container).toHaveTextContent('SD 2.x v')
    expect(container).not.toHaveTextContent('v-pred')

    rerender(<ModelBadges model={{ family: 'sd1-inpaint', inpaint: true, vPrediction: true }} />)
    expect(container).toHaveTextContent('SD 1.x Inpaint')
    expect(container).not.toHaveTextContent(/inpaint$/)
    expect(container).toHaveTextContent('v-pred')
    expect(screen.getAllByText(/inpaint/i)).toHaveLength(1)
  })
})
