import { existsSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import matter from 'gray-matter'
import { describe, expect, it } from 'vitest'
import { KabarError } from '../errors.js'
import { parseFrontmatter } from './frontmatter.js'

/** Frontmatter that writes this file when gray-matter's default `js` engine evaluates it. */
const MARKER = path.join(os.tmpdir(), `kabar-frontmatter-ran-${process.pid}`)
const payload = (language: string) =>
  `---${language}\n{ title: (require('fs').writeFileSync(${JSON.stringify(MARKER)}, 'ran'), 'pwned'), date: '2025-01-01' }\n---\nBody.\n`

function thrown(run: () => unknown): KabarError {
  try {
    run()
  } catch (error) {
    if (error instanceof KabarError) return error
    throw error
  }
  throw new Error('expected a KabarError')
}

describe('parseFrontmatter', () => {
  it('refuses ---js and ---javascript frontmatter without running it', () => {
    rmSync(MARKER, { force: true })
    for (const language of ['js', 'javascript', 'JavaScript', ' js ', 'coffee']) {
      const error = thrown(() => parseFrontmatter(payload(language), '/posts/a.md'))
      expect(error.code).toBe('FRONTMATTER_ENGINE_FORBIDDEN')
      expect(error.line).toBe(1)
    }
    expect(existsSync(MARKER)).toBe(false)
  })

  it('uses a payload that gray-matter’s defaults really would run', () => {
    // Without this, the test above could pass because the payload is broken.
    rmSync(MARKER, { force: true })
    expect(matter(payload('js')).data.title).toBe('pwned')
    expect(existsSync(MARKER)).toBe(true)
    rmSync(MARKER, { force: true })
  })

  it('reads ---JSON and ---YAML whatever the case of the language name', () => {
    expect(parseFrontmatter('---JSON\n{"title": "J"}\n---\nBody.\n', '/posts/a.md').data).toEqual({ title: 'J' })
    expect(parseFrontmatter('---YAML\ntitle: Y\n---\nBody.\n', '/posts/a.md').data).toEqual({ title: 'Y' })
  })

  it('refuses YAML tags that would build JavaScript objects', () => {
    for (const tag of ['!!js/function "function () { return 1 }"', '!!js/regexp /x/', '!!js/undefined ""']) {
      const error = thrown(() => parseFrontmatter(`---\ntitle: t\nvalue: ${tag}\n---\n`, '/posts/a.md'))
      expect(error.code).toBe('FRONTMATTER_INVALID')
      expect(error.line).toBe(3)
    }
  })

  it('stops a billion-laughs alias expansion quickly', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level)
      levels.push(
        `${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${`*${previous},`.repeat(8)}*${previous}]`,
      )
    }
    const started = Date.now()
    const error = thrown(() => parseFrontmatter(`---\n${levels.join('\n')}\ntitle: lol\n---\n`, '/posts/a.md'))
    expect(error.code).toBe('FRONTMATTER_INVALID')
    expect(error.message).toContain('aliases')
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

describe('parseFrontmatter with ---json', () => {
  it('gives each key its line, as YAML does', () => {
    const parsed = parseFrontmatter(
      '---json\n{\n  "title": "J",\n  "date": "2025-01-01"\n}\n---\nBody.\n',
      '/posts/a.md',
    )
    expect([...parsed.fieldLines]).toEqual([
      ['title', 3],
      ['date', 4],
    ])
  })
})

describe('parseFrontmatter never uses gray-matter’s defaults', () => {
  it('reports invalid YAML as a KabarError, not a js-yaml exception', () => {
    const error = thrown(() =>
      parseFrontmatter('---\ntitle: x\nkey: [unclosed\nmore: value: here\n---\n', '/posts/a.md'),
    )
    expect(error.code).toBe('FRONTMATTER_INVALID')
  })

  it('leaves gray-matter’s input cache empty (it fills only when called without options)', () => {
    matter.clearCache()
    parseFrontmatter(
      '---\ntitle: &anchor "an anchor needs the full YAML parser"\nalias: [*anchor]\n---\nBody.\n',
      '/posts/b.md',
    )
    parseFrontmatter('---\ntitle: t\n---\nBody.\n', '/posts/c.md')
    expect(Object.keys(matter.cache)).toEqual([])
  })
})

describe('parseFrontmatter errors that say what to do', () => {
  it('says frontmatter is never closed instead of reporting YAML errors deep in the body', () => {
    const error = thrown(() => parseFrontmatter('---\ntitle: t\n\nA sentence, with: a colon.\n', '/posts/a.md'))
    expect([error.code, error.line, error.message]).toEqual([
      'FRONTMATTER_INVALID',
      1,
      'frontmatter opened with --- is never closed — add a line "---" after the last field',
    ])
  })

  it('points ---toml at the +++ fence rather than at running code', () => {
    const error = thrown(() => parseFrontmatter('---toml\ntitle = "t"\n---\n', '/posts/a.md'))
    expect(error.message).toContain('TOML between +++ lines')
  })
})
