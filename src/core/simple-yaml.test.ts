import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isMap, isScalar, parseDocument } from 'yaml'
import { parseSimpleYaml } from './simple-yaml.js'
import { lineAt } from './text.js'

/** What the full parser makes of a block, with the options frontmatter.ts uses; `undefined` when it refuses it. */
function parseWithYaml(block: string) {
  const document = parseDocument(block, { version: '1.2', schema: 'core', uniqueKeys: true, prettyErrors: true })
  if (document.errors.length > 0 || document.warnings.length > 0 || !isMap(document.contents)) return undefined
  const fieldLines = new Map<string, number>()
  for (const pair of document.contents.items) {
    if (isScalar(pair.key) && pair.key.range) fieldLines.set(String(pair.key.value), lineAt(block, pair.key.range[0]))
  }
  try {
    return { data: document.toJS({ maxAliasCount: 100 }), fieldLines }
  } catch {
    return undefined
  }
}

/** The fast path either declines or agrees exactly with the full parser. */
function expectAgreement(block: string): boolean {
  const fast = parseSimpleYaml(block)
  if (fast === undefined) return false
  expect(fast, block).toEqual(parseWithYaml(block))
  return true
}

const SCALARS = [
  'plain text',
  'Kenapa "monorepo" itu penting',
  'Jürgen Weiß',
  'emoji 😀 di judul',
  'C#',
  'a,b',
  'x:y',
  'true',
  'False',
  'TRUE',
  'null',
  'Null',
  '~',
  '',
  '0o17',
  '0x1F',
  '0',
  '-0',
  '+12',
  '007',
  '12345678901234567890',
  '1e3',
  '-1.5E-2',
  '.5',
  '1.',
  '.inf',
  '-.Inf',
  '.NaN',
  '1_000',
  '12:30',
  '2019-02-14 19:37',
  '2025-02-30',
  '/images/a.jpg',
  'https://example.com/a?b=c',
  'a: b',
  'a #b',
  '#x',
  '-x',
  '- x',
  '-5-3',
  '?x',
  ':x',
  'x:',
  '&anchor x',
  '*alias',
  '!tag x',
  '!!str 5',
  '|',
  '>-',
  '%x',
  '@x',
  '`x`',
  '[a',
  'a]',
  '{a',
  'a}',
  "it's",
  'back\\slash',
  '...',
  '---',
]

const word = fc.constantFrom('a', 'b', 'rust', 'go', 'machine learning', 'Jakarta', 'x y', 'Jürgen', '2025-01-02')
const scalar = fc.oneof({ arbitrary: word, weight: 3 }, { arbitrary: fc.constantFrom(...SCALARS), weight: 2 })
const doubleQuoted = fc
  .array(
    fc.constantFrom('a', ' ', '\\"', '\\\\', '\\/', '\\n', '\\t', '\\x41', '\\u00e9', '\\e', "'", '#', ': ', 'é'),
    {
      maxLength: 6,
    },
  )
  .map((parts) => `"${parts.join('')}"`)
const singleQuoted = fc
  .array(fc.constantFrom('a', ' ', "''", '\\', '"', '#', ': '), { maxLength: 6 })
  .map((parts) => `'${parts.join('')}'`)
const inlineScalar = fc.oneof({ arbitrary: scalar, weight: 4 }, doubleQuoted, singleQuoted)
const flowSequence = fc
  .array(fc.oneof(word, inlineScalar), { maxLength: 4 })
  .chain((items) => fc.constantFrom(`[${items.join(', ')}]`, `[${items.join(',')}]`, `[ ${items.join(' , ')} ]`))
const flowMap = fc
  .array(fc.tuple(fc.constantFrom('name', 'email', 'url', 'true', 'name'), fc.oneof(word, inlineScalar)), {
    maxLength: 3,
  })
  .map((pairs) => `{ ${pairs.map(([key, value]) => `${key}: ${value}`).join(', ')} }`)
const key = fc.constantFrom('title', 'date', 'tags', 'author', 'summary', 'draft', 'x-y', '_id', 'null', 'title')
const indent = fc.constantFrom('', ' ', '  ', '    ')
const line = fc.oneof(
  fc.tuple(key, fc.oneof(inlineScalar, flowSequence, flowMap)).map(([name, value]) => `${name}: ${value}`),
  fc
    .tuple(key, indent, fc.array(inlineScalar, { minLength: 1, maxLength: 3 }))
    .map(([name, space, items]) => `${name}:\n${items.map((item) => `${space}- ${item}`).join('\n')}`),
  fc
    .tuple(key, indent, fc.array(fc.tuple(fc.constantFrom('name', 'email', 'name'), inlineScalar), { maxLength: 3 }))
    .map(
      ([name, space, pairs]) => `${name}:\n${pairs.map(([field, value]) => `${space}${field}: ${value}`).join('\n')}`,
    ),
  fc
    .tuple(
      key,
      fc.constantFrom('|', '|-', '>', '>-', '|+', '>2'),
      indent,
      fc.array(fc.oneof(word, scalar), { maxLength: 3 }),
    )
    .map(([name, header, space, rows]) => `${name}: ${header}\n${rows.map((row) => `${space}${row}`).join('\n')}`),
  fc.constantFrom('', '   ', '# a comment', 'key:value', '  indented: x', '- item', 'a b: c', '? x', 'title:\ttab'),
)
const block = fc.array(line, { maxLength: 6 }).map((lines) => `\n${lines.join('\n')}`)

describe('parseSimpleYaml', () => {
  it('reads typical frontmatter exactly as the yaml package does', () => {
    const typical = [
      '',
      'title: "Kenapa \\"monorepo\\" itu penting di Malang"',
      'date: 2019-02-14 19:37',
      'updated: 2019-03-01 08:00',
      'tags: [testing, travel, linux]',
      'author: { name: "Jürgen Weiß", email: juergen@bench.example }',
      'summary: >-',
      '  Satu kalimat.',
      '  Dua kalimat.',
      'image: /images/a.jpg',
      'categories:',
      '  - web',
      '  - "rss feeds"',
      'writer:',
      '  name: "Ahmad Fauzi"',
      '  email: ahmad@bench.example',
      'draft: true',
    ].join('\n')
    expect(expectAgreement(typical)).toBe(true)
    expect(parseSimpleYaml(typical)?.fieldLines.get('summary')).toBe(7)
  })

  it('declines what it does not read', () => {
    for (const block of ['\ntitle: a # comment', '\nx: &a 1\ny: *a', '\ntitle: "a\\x41"', '\na:\n  b:\n    c: 1']) {
      expect(parseSimpleYaml(block), block).toBeUndefined()
    }
  })

  it('never disagrees with the yaml package on generated frontmatter', () => {
    fc.assert(
      fc.property(block, (text) => {
        expectAgreement(text)
      }),
      { numRuns: 3000 },
    )
  })
})
