import path from 'node:path'
import type { ResolvedConfig } from '../core/config.js'
import { feedFileUrls, planFeeds } from '../core/feed-sets.js'
import { selectPosts } from '../core/pipeline.js'
import { isKabarError, KabarError, KabarErrorList } from '../errors.js'
import { type AnnouncedFeed, alternateLinkTags } from '../formats/alternate-links.js'
import { loadConfig } from '../io/load-config.js'
import { readPosts } from '../io/read-posts.js'
import type { CliArguments } from './args.js'
import { formatProblem, problemFromError } from './report.js'

export interface LinksContext {
  cwd: string
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  now?: Date
}

/**
 * `kabar links`: the autodiscovery tags to paste into a site's `<head>`,
 * one per feed and format. The main feeds need only the config; with
 * `--tags` or `--authors` the posts are read to know which feeds exist.
 */
export async function runLinks(args: CliArguments, context: LinksContext): Promise<number> {
  const { cwd, stdout, stderr } = context
  try {
    const loaded = await loadConfig(cwd, args.config)
    const config: ResolvedConfig =
      args.posts === undefined ? loaded : { ...loaded, postsDir: path.resolve(cwd, args.posts) }
    const feeds: AnnouncedFeed[] = [{ title: config.site.title, urls: feedFileUrls(config, '') }]
    const wanted = args.links ?? { tags: false, authors: false }
    if (wanted.tags || wanted.authors) feeds.push(...(await topicFeeds(config, wanted, context.now ?? new Date())))
    for (const tag of alternateLinkTags(feeds)) stdout.write(`${tag}\n`)
    return 0
  } catch (error) {
    const errors = error instanceof KabarErrorList ? error.errors : isKabarError(error) ? [error] : undefined
    if (errors === undefined) throw error
    for (const problem of errors) stderr.write(`${formatProblem(problemFromError(problem), cwd)}\n`)
    return 1
  }
}

async function topicFeeds(
  config: ResolvedConfig,
  wanted: { tags: boolean; authors: boolean },
  now: Date,
): Promise<AnnouncedFeed[]> {
  const missing = [
    wanted.tags && config.feeds.tags.kind === 'none' ? '"feeds": { "tags": true }' : '',
    wanted.authors && config.feeds.authors.kind === 'none' ? '"feeds": { "authors": true }' : '',
  ].filter(Boolean)
  if (missing.length > 0) {
    throw new KabarErrorList(
      missing.map(
        (setting) =>
          new KabarError(
            'USAGE',
            `this site writes no such feeds — turn them on with ${setting} in the config, then build`,
            { file: config.configPath },
          ),
      ),
    )
  }
  const { sources, problems } = await readPosts(config.postsDir, { maxPostSize: config.maxPostSize })
  const selection = selectPosts(sources, config, { now })
  const errors = [...problems, ...selection.problems].filter((problem) => problem.severity === 'error')
  if (errors.length > 0) throw new KabarErrorList(errors)
  const plan = planFeeds(selection.published, config)
  return [...(wanted.tags ? plan.tags : []), ...(wanted.authors ? plan.authors : [])]
}
