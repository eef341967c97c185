import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ignoredContent } from './watch-files.js'

describe('what the content watcher skips', () => {
  const site = path.resolve('/site')
  const at = (...segments: string[]) => path.join(site, ...segments)
  const ignored = ignoredContent({ postsDir: at('_posts'), publicDir: at('public'), outDir: at('_posts', 'dist') })

  it('skips the output folder, and names starting with _ or . below the posts folder', () => {
    expect(ignored(at('_posts', 'dist'))).toBe(true)
    expect(ignored(at('_posts', 'dist', 'rss.xml'))).toBe(true)
    expect(ignored(at('_posts', '_drafts', 'a.md'))).toBe(true)
    expect(ignored(at('_posts', '2025', '.a.md.swp'))).toBe(true)
    expect(ignored(at('_posts', '.git'))).toBe(true)
  })

  it('watches the rest, the posts folder itself whatever its name, and _ names in publicDir', () => {
    expect(ignored(at('_posts'))).toBe(false)
    expect(ignored(at('_posts', '2025', 'a.md'))).toBe(false)
    expect(ignored(at('_posts', 'distant', 'a.md'))).toBe(false)
    expect(ignored(at('public', '_img', 'a.png'))).toBe(false)
    expect(ignored(at('public', '.cache', 'a.png'))).toBe(true)
    expect(ignored(at('_other', 'a.md'))).toBe(false)
    expect(ignored(at('_postsx', '.a.md'))).toBe(false)
  })
})
