import { describe, expect, it } from 'vitest'
import { KabarError } from '../errors.js'
import { parseFrontmatter } from './frontmatter.js'

const parse = (text: string) => parseFrontmatter(text, '/site/post.md')

function errorOf(text: string): { message: string; line: number | undefined } {
  try {
    parse(text)
  } catch (error) {
    if (error instanceof KabarError) return { message: error.message, line: error.line }
    throw error
  }
  throw new Error('expected an error')
}

describe('TOML frontmatter between +++ lines', () => {
  it('reads the fields, keeps dates as the text TOML wrote, and finds the body and field lines', () => {
    const parsed = parse(
      '+++\ntitle = "Hello"\ndate = 2025-01-29T18:15:32+05:30\nday = 2025-01-29\ntags = ["a", "b"]\n\n[params]\ntitle = "not top level"\n+++\nBody text.\n',
    )
    expect(parsed.data).toEqual({
      title: 'Hello',
      date: '2025-01-29T18:15:32.000+05:30',
      day: '2025-01-29',
      tags: ['a', 'b'],
      params: { title: 'not top level' },
    })
    expect(parsed.body).toBe('Body text.\n')
    expect(parsed.bodyLine).toBe(10)
    expect(Object.fromEntries(parsed.fieldLines)).toEqual({ title: 2, date: 3, day: 4, tags: 5 })
  })

  it('reports invalid TOML with the line in the file', () => {
    expect(errorOf('+++\ntitle = "Hello"\ndate = \n+++\nBody\n')).toEqual({
      message: 'frontmatter is not valid TOML: invalid value',
      line: 3,
    })
  })

  it('says how to close a block that never ends', () => {
    expect(errorOf('+++\ntitle = "Hello"\nBody\n').message).toBe(
      'TOML frontmatter opened with +++ is never closed — add a line "+++" after the last field',
    )
  })
})

describe('JSON object frontmatter', () => {
  it('reads an object at the start of the file, with braces inside strings', () => {
    const parsed = parse('{\n  "title": "Braces { and } inside",\n  "tags": ["x"]\n}\n\nBody.\n')
    expect(parsed.data).toEqual({ title: 'Braces { and } inside', tags: ['x'] })
    expect(parsed.body).toBe('\nBody.\n')
    expect(parsed.bodyLine).toBe(5)
    expect(parsed.fieldLines.get('tags')).toBe(3)
  })

  it('rejects broken JSON', () => {
    expect(errorOf('{\n  "title": "x",\n}\nBody\n').message).toMatch(/^frontmatter is not valid JSON: /)
  })
})

describe('frontmatter after blank lines', () => {
  it('finds YAML after blank lines and keeps the file line numbers', () => {
    const parsed = parse('\n\n---\ntitle: Late\ndate: 2025-01-01\n---\nBody\n')
    expect(parsed.data).toEqual({ title: 'Late', date: '2025-01-01' })
    expect(parsed.fieldLines.get('date')).toBe(5)
    expect(parsed.bodyLine).toBe(7)
    expect(parsed.body).toBe('Body\n')
  })

  it('finds TOML after a blank line and shifts error lines too', () => {
    expect(parse('\n+++\ntitle = "T"\n+++\nB\n').fieldLines.get('title')).toBe(3)
    expect(errorOf('\n---\ntitle: [unclosed\n---\nB\n').line).toBe(3)
  })

  it('leaves a file without frontmatter alone', () => {
    const parsed = parse('\n\nJust text.\n')
    expect(parsed.data).toEqual({})
    expect(parsed.body).toBe('\n\nJust text.\n')
  })
})
