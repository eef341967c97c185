import { describe, expect, it } from 'vitest'
import { removeForbiddenCharacters, truncateAtWord } from './text.js'

describe('removeForbiddenCharacters', () => {
  it('drops C0 and C1 controls but keeps tab and newlines', () => {
    expect(removeForbiddenCharacters('a\u0000b\u0001c\td\ne\u007f\u0085f\u009fg')).toBe('abc\td\nefg')
  })

  it('drops lone surrogates, U+FFFD and noncharacters but keeps real astral characters', () => {
    expect(removeForbiddenCharacters('x\ud800y\udc00z')).toBe('xyz')
    expect(removeForbiddenCharacters('a\ufffdb\ufdd0c\uffffd')).toBe('abcd')
    expect(removeForbiddenCharacters('\u{1FFFE}emoji 😀 ok')).toBe('emoji 😀 ok')
  })
})

describe('truncateAtWord', () => {
  it('cuts at a word boundary and adds an ellipsis', () => {
    expect(truncateAtWord('one two three four', 12)).toBe('one two…')
    expect(truncateAtWord('short', 12)).toBe('short')
  })
})
