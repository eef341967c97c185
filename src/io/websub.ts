import { createHash } from 'node:crypto'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ResolvedConfig } from '../core/config.js'
import { enabledFormats, feedFilePath } from '../core/feed-sets.js'
import { canonicalUrl } from '../core/urls.js'
import { type KabarError, kabarWarning } from '../errors.js'
import { errorCode, type FileSystem, nodeFileSystem } from './file-system.js'
import { writeFileAtomically } from './write-file-atomically.js'

/**
 * WebSub publishing (https://www.w3.org/TR/websub/, with the
 * `hub.mode=publish` request hubs have accepted since PubSubHubbub 0.3): tell
 * the hub which feeds changed, so it fetches them and pushes them to
 * subscribers. The hub fetches at once, so this runs after the files are
 * live. A small state file next to the config remembers the bytes of each
 * feed as last pinged: only feeds that changed since are sent again.
 */

/** A subscription feed on disk and where it is served. */
export interface PublishedFeed {
  url: string
  /** SHA-256 of the file's bytes. */
  hash: string
}

export interface PingResult {
  hub: string
  /** Feeds the hub accepted. */
  pinged: string[]
  /** Feeds unchanged since the last ping: not sent. */
  unchanged: string[]
  /** Feeds the hub did not accept (down, timed out, refused): sent again next time. */
  failed: string[]
  warnings: KabarError[]
}

export interface PingOptions {
  /** Where the last ping's state is kept. */
  statePath: string
  /** Per request. Default 10 s. */
  timeoutMs?: number
  /** Tries per feed, the first included. Default 3. */
  attempts?: number
  /** Wait before the second try, doubled for each further one. Default 1 s. */
  retryDelayMs?: number
  fetch?: typeof fetch
  fileSystem?: FileSystem
}

/** The state file's name, next to the config. */
export const PING_STATE_NAME = '.kabar-ping.json'

interface PingState {
  version: 1
  hub: string
  /** Feed URL → SHA-256 of the bytes the hub was last told about. */
  feeds: Record<string, string>
}

/**
 * The subscription feeds in the output folder (main, per tag, per author):
 * archive pages never change once written, so they are never pinged.
 */
export async function findPublishedFeeds(
  config: ResolvedConfig,
  fileSystem: FileSystem = nodeFileSystem,
): Promise<PublishedFeed[]> {
  const folders = ['']
  for (const parent of ['tags', 'authors']) {
    const entries = await fileSystem
      .readdir(path.join(config.outDir, parent), { withFileTypes: true })
      .catch((error: unknown) => {
        if (errorCode(error) === 'ENOENT') return []
        throw error
      })
    const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name)
    folders.push(...names.sort().map((name) => `${parent}/${name}`))
  }
  const feeds: PublishedFeed[] = []
  for (const folder of folders) {
    for (const format of enabledFormats(config)) {
      const relative = feedFilePath(folder, config.output[format] ?? '')
      const bytes = await fileSystem.readFile(path.join(config.outDir, ...relative.split('/'))).catch(() => undefined)
      const url = canonicalUrl(relative, config.feedUrl)
      if (bytes === undefined || url === undefined) continue
      feeds.push({ url, hash: createHash('sha256').update(bytes).digest('hex') })
    }
  }
  return feeds
}

/** Pings `hub` for each feed that changed since the last ping, and records what it accepted. */
export async function pingHub(hub: string, feeds: readonly PublishedFeed[], options: PingOptions): Promise<PingResult> {
  const fileSystem = options.fileSystem ?? nodeFileSystem
  const state = await readState(options.statePath, fileSystem)
  const previous = state?.hub === hub ? state.feeds : {}
  const result: PingResult = { hub, pinged: [], unchanged: [], failed: [], warnings: [] }
  const next: Record<string, string> = {}
  // Once the hub is found down, the other feeds are not tried: a hundred
  // tag feeds must not each wait through every retry.
  let hubDown: string | undefined
  for (const feed of feeds) {
    if (previous[feed.url] === feed.hash) {
      result.unchanged.push(feed.url)
      next[feed.url] = feed.hash
      continue
    }
    const outcome =
      hubDown === undefined ? await publish(hub, feed.url, options) : { failure: hubDown, isHubDown: true }
    if (outcome === undefined) {
      result.pinged.push(feed.url)
      next[feed.url] = feed.hash
      continue
    }
    result.failed.push(feed.url)
    const before = previous[feed.url]
    if (before !== undefined) next[feed.url] = before
    if (outcome.isHubDown) hubDown = outcome.failure
    else {
      result.warnings.push(
        kabarWarning(
          'HUB_UNREACHABLE',
          `the hub ${hub} refused the ping for ${feed.url} (${outcome.failure}); its subscribers will see the change at their next poll`,
          { field: 'site.hub' },
        ),
      )
    }
  }
  if (hubDown !== undefined) {
    const count = result.failed.length
    result.warnings.push(
      kabarWarning(
        'HUB_UNREACHABLE',
        `the hub ${hub} is not answering (${hubDown}), so ${count} changed ${count === 1 ? 'feed was' : 'feeds were'} not announced; subscribers still see them at their next poll — run kabar ping again later`,
        { field: 'site.hub' },
      ),
    )
  }
  if (result.pinged.length > 0 || !sameFeeds(previous, next) || state?.hub !== hub) {
    const contents: PingState = { version: 1, hub, feeds: next }
    await writeFileAtomically(options.statePath, `${JSON.stringify(contents, null, 2)}\n`, fileSystem)
  }
  return result
}

/**
 * One `hub.mode=publish` request, retried on network errors, timeouts, 429
 * and 5xx. Returns why it failed, and whether that means the hub is down
 * (rather than refusing this one feed).
 */
async function publish(
  hub: string,
  feedUrl: string,
  options: PingOptions,
): Promise<{ failure: string; isHubDown: boolean } | undefined> {
  const attempts = options.attempts ?? 3
  const fetchFunction = options.fetch ?? fetch
  let failure = ''
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep((options.retryDelayMs ?? 1000) * 2 ** (attempt - 2))
    try {
      const response = await fetchFunction(hub, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': feedUrl }).toString(),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        redirect: 'follow',
      })
      await response.arrayBuffer().catch(() => undefined)
      if (response.ok) return undefined
      failure = `HTTP ${response.status}`
      if (response.status !== 429 && response.status < 500) return { failure, isHubDown: false }
    } catch (error) {
      failure = describeFetchError(error)
    }
  }
  return { failure: `${failure}, ${attempts} ${attempts === 1 ? 'try' : 'tries'}`, isHubDown: true }
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'no answer in time'
  const cause = error instanceof Error ? (error as Error & { cause?: unknown }).cause : undefined
  return errorCode(cause) ?? (error instanceof Error ? error.message : String(error))
}

async function readState(statePath: string, fileSystem: FileSystem): Promise<PingState | undefined> {
  const bytes = await fileSystem.readFile(statePath).catch(() => undefined)
  if (bytes === undefined) return undefined
  try {
    const state = JSON.parse(bytes.toString('utf8')) as PingState
    return typeof state.hub === 'string' && typeof state.feeds === 'object' ? state : undefined
  } catch {
    // A damaged state only means pinging every feed once more.
    return undefined
  }
}

function sameFeeds(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key])
}
