import { createHash } from 'node:crypto'

/** Longest slug, in code points: a folder name must stay well under file-system limits. */
const MAX_SLUG_LENGTH = 80

/**
 * A folder name for a tag or an author: the text in lower case (after NFKC,
 * so full-width and ligature forms fold), each run of characters other than
 * letters, combining marks and digits written as one `-`. Letters of every
 * script are kept, as Jekyll and Hugo keep them: `Kecerdasan Buatan` →
 * `kecerdasan-buatan`, `人工知能` → `人工知能`, `C++` → `c`. URLs carry them
 * percent-encoded. May be empty (`++`): `assignSlugs` handles that.
 */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
  const codePoints = Array.from(slug)
  return codePoints.length <= MAX_SLUG_LENGTH ? slug : codePoints.slice(0, MAX_SLUG_LENGTH).join('').replace(/-+$/, '')
}

/**
 * One distinct slug per key. `sources` maps each key (a lower-cased tag or
 * author name) to the text its slug is made from.
 *
 * When several keys give one slug, the key whose text already is that slug
 * keeps it (`c` beside `c++` and `c#`), else the first key in code-point
 * order; each other key gets `-` and six hex digits of a SHA-256 of the key.
 * The suffix depends on nothing but the key itself, so another tag coming
 * or going never renames it. A text with no letter or digit gets
 * `<fallback>-<hash>`.
 */
export function assignSlugs(sources: ReadonlyMap<string, string>, fallback: string): Map<string, string> {
  const byBase = new Map<string, string[]>()
  for (const [key, text] of sources) {
    const base = slugify(text)
    const group = byBase.get(base)
    if (group === undefined) byBase.set(base, [key])
    else group.push(key)
  }
  const slugs = new Map<string, string>()
  const taken = new Set(byBase.keys())
  for (const [base, keys] of byBase) {
    const sorted = [...keys].sort(compareCodePoints)
    const owner =
      base === '' ? undefined : (sorted.find((key) => sources.get(key)?.toLowerCase() === base) ?? sorted[0])
    for (const key of sorted) {
      if (key === owner) {
        slugs.set(key, base)
        continue
      }
      const slug = suffixedSlug(base === '' ? fallback : base, key, taken)
      taken.add(slug)
      slugs.set(key, slug)
    }
  }
  return slugs
}

/** `base-1a2b3c`, with more hex digits in the astronomically rare case that one is taken. */
function suffixedSlug(base: string, key: string, taken: ReadonlySet<string>): string {
  const hash = createHash('sha256').update(key).digest('hex')
  for (let length = 6; ; length += 2) {
    const slug = `${base}-${hash.slice(0, length)}`
    if (!taken.has(slug) || length >= hash.length) return slug
  }
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
