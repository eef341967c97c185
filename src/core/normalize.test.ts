import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from './config.js'
import { MAX_WORD_LENGTH, normalizePost, resolveSitePath } from './normalize.js'
import { canonicalUrl } from './urls.js'

const config = resolveConfig(
  { site: { title: 'T', url: 'https://t.example/' }, publicDir: 'public' },
  { configPath: '/site/kabar.config.json' },
)
const now = new Date('2026-01-01T00:00:00Z')

function normalize(text: string, relativePath = 'a.md') {
  return normalizePost({ path: `/site/posts/${relativePath}`, relativePath, text }, { config, now })
}

describe('normalizePost with hostile frontmatter', () => {
  it('removes control characters and lone surrogates written as YAML escapes, and says where', () => {
    const { post, problems } = normalize(
      '---\ntitle: "a\\x01b\\u0085c\\uD800d"\ndate: 2025-01-01\ntags: ["x\\uDC00y", ok]\nslug: "s\\uD800"\n---\nBody.\n',
    )
    expect(post?.title).toBe('abcd')
    expect(post?.tags).toEqual(['xy', 'ok'])
    expect(post?.url).toBe('https://t.example/s/')
    expect(problems.map((problem) => [problem.code, problem.field, problem.line, problem.severity])).toEqual([
      ['CHARACTERS_REMOVED', 'title', 2, 'warning'],
      ['CHARACTERS_REMOVED', 'tags', 4, 'warning'],
      ['CHARACTERS_REMOVED', 'slug', 5, 'warning'],
    ])
  })

  it('gives a post no local image file for a path with a malformed escape, instead of throwing', () => {
    const { post, problems } = normalize('---\ntitle: t\ndate: 2025-01-01\nimage: /images/%FF%E0.jpg\n---\n')
    expect(post?.image).toEqual({
      url: 'https://t.example/images/%FF%E0.jpg',
      type: 'image/jpeg',
      localPath: undefined,
    })
    expect(problems).toEqual([])
  })

  it('rejects a body with a run of text longer than MAX_WORD_LENGTH without white space, naming its line', () => {
    const word = 'x'.repeat(MAX_WORD_LENGTH + 1)
    const { post, problems } = normalize(`---\ntitle: t\ndate: 2025-01-01\n---\nFirst line.\n\n${word}\n`)
    expect(post).toBeUndefined()
    expect(problems.map((problem) => [problem.code, problem.line])).toEqual([['WORD_TOO_LONG', 7]])
    expect(problems[0]?.message).toContain(`${MAX_WORD_LENGTH + 1} characters`)
  })

  it('accepts a body whose longest word is exactly MAX_WORD_LENGTH characters', () => {
    const { post, problems } = normalize(`---\ntitle: t\ndate: 2025-01-01\n---\n${'x'.repeat(MAX_WORD_LENGTH)} end\n`)
    expect(problems).toEqual([])
    expect(post?.title).toBe('t')
  })
})

describe('normalizePost tags', () => {
  it('keeps one tag for "café" typed precomposed and with a combining accent', () => {
    const { post } = normalize('---\ntitle: t\ndate: 2025-01-01\ntags: ["caf\\u00e9", "cafe\\u0301", "CAFÉ"]\n---\n')
    expect(post?.tags).toEqual(['café'])
  })
})

describe('resolveSitePath', () => {
  // Plain paths are joined to the site's URL without the URL parser: the result must be the parser's.
  const siteUrls = [
    'https://nemes.example/',
    'https://nemes.example/berita/',
    'http://localhost:8080/a/b/',
    'https://nemes.example/?q=1/',
    'https://Nemes.example/',
    'https://nemes.example/berita',
    'https://xn--bcher-kva.example/%c3%a4/',
  ]
  const pathCharacters = fc.constantFrom(...'aZ09-._~/%?#:@ \\é'.split(''), '..', './', '/../')

  it('gives what the URL parser gives, for any path and site URL', () => {
    fc.assert(
      fc.property(fc.array(pathCharacters, { maxLength: 12 }), fc.constantFrom(...siteUrls), (parts, siteUrl) => {
        const sitePath = parts.join('')
        const relative = sitePath.trim().replace(/^\/+/, '')
        expect(resolveSitePath(sitePath, siteUrl)).toBe(canonicalUrl(relative, siteUrl))
      }),
      { numRuns: 3000 },
    )
  })

  it('joins a plain path to the site URL', () => {
    expect(resolveSitePath('/2025/02/25/alibaba/', 'https://nemes.example/')).toBe(
      'https://nemes.example/2025/02/25/alibaba/',
    )
    expect(resolveSitePath('a/../b/', 'https://nemes.example/x/')).toBe('https://nemes.example/x/b/')
  })
})
