import path from 'node:path'
import type { ResolvedConfig } from '../core/config.js'
import { isKabarError, KabarError, KabarErrorList } from '../errors.js'
import { loadConfig } from '../io/load-config.js'
import { findPublishedFeeds, PING_STATE_NAME, type PingResult, pingHub } from '../io/websub.js'
import type { CliArguments } from './args.js'
import { displayPath, formatProblem, problemFromError } from './report.js'

export interface PingContext {
  cwd: string
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  /** Tests shorten the wait between tries. */
  retryDelayMs?: number
}

/**
 * `kabar ping`: run once the feeds are live. Tells `site.hub` about each
 * feed in the output folder that changed since the last ping. A hub that is
 * down or refuses is a warning, never a failure: subscribers still poll.
 */
export async function runPing(args: CliArguments, context: PingContext): Promise<number> {
  const { cwd, stdout, stderr } = context
  let config: ResolvedConfig
  let result: PingResult
  try {
    const loaded = await loadConfig(cwd, args.config)
    config = args.out === undefined ? loaded : { ...loaded, outDir: path.resolve(cwd, args.out) }
    const hub = config.site.hub
    if (hub === undefined) {
      throw new KabarError(
        'HUB_MISSING',
        'there is no hub to ping: add "hub": "<your WebSub hub URL>" to "site" in the config (and build, so the feeds announce it)',
        { file: config.configPath, field: 'site.hub' },
      )
    }
    const feeds = await findPublishedFeeds(config)
    if (feeds.length === 0) {
      throw new KabarError(
        'HUB_MISSING',
        `there are no feeds in ${displayPath(config.outDir, cwd)}/ to ping about — run kabar build (and deploy) first`,
        { file: config.outDir },
      )
    }
    result = await pingHub(hub, feeds, {
      statePath: path.join(path.dirname(config.configPath), PING_STATE_NAME),
      ...(args.pingTimeout !== undefined && { timeoutMs: args.pingTimeout * 1000 }),
      ...(context.retryDelayMs !== undefined && { retryDelayMs: context.retryDelayMs }),
    })
  } catch (error) {
    const errors = error instanceof KabarErrorList ? error.errors : isKabarError(error) ? [error] : undefined
    if (errors === undefined) throw error
    if (args.json) stdout.write(`${JSON.stringify({ ok: false, errors: errors.map(problemFromError) }, null, 2)}\n`)
    for (const problem of errors) stderr.write(`${formatProblem(problemFromError(problem), cwd)}\n`)
    return 1
  }
  if (args.json) {
    const { warnings, ...rest } = result
    stdout.write(`${JSON.stringify({ ok: true, ...rest, warnings: warnings.map(problemFromError) }, null, 2)}\n`)
  }
  if (!args.quiet)
    for (const warning of result.warnings) stderr.write(`${formatProblem(problemFromError(warning), cwd)}\n`)
  if (!args.quiet && !args.json) stdout.write(`${pingSummary(result, config)}\n`)
  return 0
}

function pingSummary(result: PingResult, config: ResolvedConfig): string {
  const name = (url: string) => (url.startsWith(config.feedUrl) ? decodeURI(url.slice(config.feedUrl.length)) : url)
  const parts = [
    result.pinged.length > 0 ? `told ${result.hub} about ${result.pinged.map(name).join(' ')}` : '',
    result.failed.length > 0 ? `${result.failed.length} not delivered (warned above)` : '',
    result.unchanged.length > 0 ? `${result.unchanged.length} unchanged since the last ping` : '',
  ].filter(Boolean)
  return `kabar ping: ${parts.length > 0 ? parts.join('; ') : 'no feeds'}`
}
