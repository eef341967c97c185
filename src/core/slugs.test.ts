import { describe, expect, it } from 'vitest'
import { assignSlugs, slugify } from './slugs.js'

describe('slugify', () => {
  it('lower-cases and joins words with one hyphen', () => {
    expect(slugify('Kecerdasan Buatan')).toBe('kecerdasan-buatan')
    expect(slugify('  Cloud  &  AI!! ')).toBe('cloud-ai')
  })

  it('keeps letters of every script and their marks', () => {
    expect(slugify('人工知能')).toBe('人工知能')
    expect(slugify('Café')).toBe('café')
    expect(slugify('हिन्दी')).toBe('हिन्दी')
  })

  it('folds compatibility forms, so full-width text gives the ASCII slug', () => {
    expect(slugify('ＡＩ')).toBe('ai')
  })

  it('drops punctuation, so C++ and C# both give c', () => {
    expect(slugify('C++')).toBe('c')
    expect(slugify('C#')).toBe('c')
    expect(slugify('+++')).toBe('')
  })

  it('never makes a path out of slashes or dots', () => {
    expect(slugify('../../etc/passwd')).toBe('etc-passwd')
    expect(slugify('a/b\\c')).toBe('a-b-c')
  })

  it('cuts long text at 80 code points without leaving a hyphen at the end', () => {
    const slug = slugify(`${'ab '.repeat(40)}`)
    expect(Array.from(slug).length).toBeLessThanOrEqual(80)
    expect(slug.endsWith('-')).toBe(false)
  })
})

describe('assignSlugs', () => {
  const slugsOf = (...names: string[]) => assignSlugs(new Map(names.map((name) => [name.toLowerCase(), name])), 'tag')

  it('gives the plain slug to the tag whose text it is, and a hash suffix to the others', () => {
    const slugs = slugsOf('C++', 'C', 'C#')
    expect(slugs.get('c')).toBe('c')
    expect(slugs.get('c++')).toMatch(/^c-[0-9a-f]{6}$/)
    expect(slugs.get('c#')).toMatch(/^c-[0-9a-f]{6}$/)
    expect(slugs.get('c++')).not.toBe(slugs.get('c#'))
  })

  it('keeps a suffixed slug when other tags come and go', () => {
    const before = slugsOf('C', 'C++').get('c++')
    const after = slugsOf('C', 'C++', 'C#', 'c--').get('c++')
    expect(after).toBe(before)
  })

  it('gives the same slugs whatever order the tags arrive in', () => {
    const forward = slugsOf('C#', 'C++', 'AI', '!!!')
    const backward = slugsOf('!!!', 'AI', 'C++', 'C#')
    expect([...backward].sort()).toEqual([...forward].sort())
  })

  it('names a tag without letters or digits after the fallback', () => {
    expect(slugsOf('!!!').get('!!!')).toMatch(/^tag-[0-9a-f]{6}$/)
  })

  it('keeps the plain slug when there is no collision', () => {
    expect(slugsOf('C++').get('c++')).toBe('c')
  })
})
