import path from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { postRelativePath } from './read-posts.js'

/** What postRelativePath must give: path.relative, with `/` separators. */
const reference = (postsDir: string, filePath: string) => path.relative(postsDir, filePath).split(path.sep).join('/')

describe('postRelativePath', () => {
  it('gives what path.relative gives, for files as listed and for any other path', () => {
    const cases: [string, string][] = [
      ['/site/posts', '/site/posts/a.md'],
      ['/site/posts/', '/site/posts/2025/a.md'],
      ['/site/posts', '/site/postsa/a.md'],
      ['/site/posts', '/site/posts/./a.md'],
      ['/site/posts', '/site/posts/2025/../a.md'],
      ['/site/posts', '/site/posts/.hidden/a.md'],
      ['/site/x/../posts', '/site/posts/a.md'],
      ['/site/posts', '/elsewhere/a.md'],
    ]
    for (const [postsDir, filePath] of cases) {
      expect(postRelativePath(postsDir, filePath), filePath).toBe(reference(postsDir, filePath))
    }
    const segment = fc.constantFrom('a', 'b.md', '.', '..', '.x', '2025', 'x..y', '')
    fc.assert(
      fc.property(
        fc.array(segment, { maxLength: 4 }),
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        (dir, rest) => {
          const postsDir = path.join('/site', ...dir)
          const filePath = `${postsDir}${path.sep}${rest.join(path.sep)}`
          expect(postRelativePath(postsDir, filePath)).toBe(reference(postsDir, filePath))
        },
      ),
    )
  })
})
