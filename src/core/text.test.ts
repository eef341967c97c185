import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hasForbiddenCharacters, removeForbiddenCharacters, toSingleLine, truncateAtWord } from './text.js'

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

/** Independent of the patterns in text.ts: the forbidden code points, one at a time. */
function referenceRemoval(text: string): string {
  let kept = ''
  for (const character of text) {
    const code = character.codePointAt(0) as number
    const isForbidden =
      (code <= 0x1f && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
      (code >= 0x7f && code <= 0x9f) ||
      (code >= 0xd800 && code <= 0xdfff) ||
      code === 0xfffd ||
      (code >= 0xfdd0 && code <= 0xfdef) ||
      (code & 0xfffe) === 0xfffe
    if (!isForbidden) kept += character
  }
  return kept
}

describe('hasForbiddenCharacters', () => {
  it('answers as removing the characters would, whatever the text', () => {
    const pieces = [
      'a',
      ' ',
      '\t',
      '\n',
      '\r',
      '\u0001',
      '\u000B',
      '\u007F',
      '\u0085',
      '\u00A0',
      'é',
      '\uFDD0',
      '\uFFFD',
      '\uFFFE',
      '😀',
      '\uD83F\uDFFE',
      '\uD800',
      '\uDC00',
      '\uE000',
    ]
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (parts) => {
        const text = parts.join('')
        expect(hasForbiddenCharacters(text)).toBe(referenceRemoval(text) !== text)
        expect(removeForbiddenCharacters(text)).toBe(referenceRemoval(text))
      }),
      { numRuns: 2000 },
    )
  })
})

describe('toSingleLine', () => {
  it('collapses white space as one replace and trim do, for any text', () => {
    const characters = fc.constantFrom(
      'a',
      'é',
      ' ',
      '  ',
      '\t',
      '\n',
      '\r',
      '\u00a0',
      '\u2028',
      '\u3000',
      '\ufeff',
      'x y',
    )
    fc.assert(
      fc.property(fc.array(characters, { maxLength: 10 }), (parts) => {
        const text = parts.join('')
        expect(toSingleLine(text)).toBe(text.replace(/\s+/g, ' ').trim())
      }),
      { numRuns: 5000 },
    )
  })
})
