import path from 'node:path'
import type { KabarError } from '../errors.js'
import type { ResolvedConfig } from './config.js'
import type { Post } from './post.js'
import { presetTemplates } from './presets/index.js'
import { expandTemplates, type PostReference } from './templates.js'

/**
 * Runs `expandTemplates` over the posts a build publishes, when the active
 * preset's posts may hold template syntax. Links between posts
 * (`{% post_url %}`, `{% link %}`, Hugo's `ref`) are looked up among every
 * post read, drafts and future ones included, so a link never depends on
 * what is published today.
 */
export function expandPostTemplates(
  posts: readonly Post[],
  everyPost: readonly Post[],
  config: ResolvedConfig,
): { posts: Post[]; problems: KabarError[] } {
  const syntax = presetTemplates(config)
  if (syntax === 'none') return { posts: [...posts], problems: [] }
  const findPost = postFinder(everyPost, config)
  const problems: KabarError[] = []
  const expanded = posts.map((post) => {
    const result = expandTemplates(post.body, {
      syntax,
      file: post.file,
      bodyLine: post.bodyLine,
      siteUrl: config.site.url,
      siteTitle: config.site.title,
      itemUrl: post.url,
      findPost,
    })
    problems.push(...result.problems)
    return result.body === post.body ? post : { ...post, body: result.body }
  })
  return { posts: expanded, problems }
}

/**
 * Each post under the names a template may use for it: its path under the
 * posts folder and under the generator's root (`_posts/2025-01-29-x.md`,
 * `posts/x.md`), with or without the extension, a page bundle's folder,
 * and its bare file name when no other post has the same one.
 */
function postFinder(posts: readonly Post[], config: ResolvedConfig): (reference: PostReference) => string | undefined {
  const byName = new Map<string, string>()
  const byBareName = new Map<string, string[]>()
  const section = config.activePreset?.section ?? ''
  for (const post of posts) {
    const relative = path.relative(config.postsDir, post.file).split(path.sep).join('/')
    const withoutExtension = relative.replace(/\.(md|markdown)$/i, '')
    const names = [relative, withoutExtension]
    const bundle = /^(.*)\/index$/i.exec(withoutExtension)?.[1]
    if (bundle !== undefined) names.push(bundle)
    for (const name of names) {
      byName.set(name, post.url)
      if (section !== '') byName.set(`${section}/${name}`, post.url)
    }
    const bare = (bundle ?? withoutExtension).split('/').at(-1) ?? ''
    byBareName.set(bare, [...(byBareName.get(bare) ?? []), post.url])
  }
  return ({ target }) => {
    const [name = '', fragment] = target.trim().split('#')
    const key = name.replace(/^\.?\/+/, '').replace(/\/+$/, '')
    const bare =
      key
        .replace(/\.(md|markdown)$/i, '')
        .split('/')
        .at(-1) ?? ''
    const candidates = byBareName.get(bare)
    const url = byName.get(key) ?? (candidates?.length === 1 ? candidates[0] : undefined)
    return url === undefined || fragment === undefined ? url : `${url}#${fragment}`
  }
}
