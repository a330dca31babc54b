import { describe, expect, it } from 'vitest'
import { complete, estimateTokens, splitPieces } from '../src/completion-text.js'

describe('splitPieces', () => {
  it('keeps the whitespace before each word so pieces join back to the text', () => {
    expect(splitPieces('Mock reply to: a  b\nc ')).toEqual([
      'Mock',
      ' reply',
      ' to:',
      ' a',
      '  b',
      '\nc',
      ' ',
    ])
    expect(splitPieces('')).toEqual([])
  })
})

describe('complete', () => {
  it('replies to the prompt', () => {
    expect(complete('hi', undefined, undefined)).toEqual({
      pieces: ['Mock', ' reply', ' to:', ' hi'],
      text: 'Mock reply to: hi',
      truncated: false,
    })
  })

  it('replies without a prompt', () => {
    expect(complete('  ', undefined, undefined).text).toBe('Mock reply')
  })

  it('forces the piece count by cutting or repeating', () => {
    expect(complete('hi', 0, undefined).text).toBe('')
    expect(complete('hi', 2, undefined).text).toBe('Mock reply')
    expect(complete('hi', 6, undefined).text).toBe('Mock reply to: hi Mock reply')
    expect(complete('hi', 1000, undefined).pieces).toHaveLength(1000)
  })

  it('lets max tokens cap a forced count', () => {
    expect(complete('hi', 10, 3)).toMatchObject({ text: 'Mock reply to:', truncated: true })
    expect(complete('hi', undefined, 4).truncated).toBe(false)
  })
})

describe('estimateTokens', () => {
  it('is one token per 4 bytes, rounded up', () => {
    expect([0, 1, 4, 5, 8].map(estimateTokens)).toEqual([0, 1, 1, 2, 2])
  })
})
