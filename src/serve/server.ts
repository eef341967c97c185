import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { type BuildQueue, createBuildQueue } from './build-queue.js'
import { DEFAULT_FEED_FILE_NAMES, type FeedFileNames } from './content-types.js'
import { createFileStore } from './file-store.js'
import { HOOK_PATH, handleHookRequest } from './hook.js'
import { serveStaticFile } from './static-files.js'

/** Default `Cache-Control: max-age`: aggregators poll every few minutes anyway. */
export const DEFAULT_MAX_AGE_SECONDS = 300

export interface FeedServerOptions<Report extends { ok: boolean }> {
  /** The folder served: the build's out folder. */
  root: string
  /** Which files are the RSS, Atom and JSON feeds (for their content types). Default rss.xml, atom.xml, feed.json. */
  feedFiles?: FeedFileNames
  /** `Cache-Control: max-age` in seconds. Default {@link DEFAULT_MAX_AGE_SECONDS}. */
  maxAge?: number
  /** Turns on `POST /hooks/rebuild`; without it `/hooks/*` is 404. */
  hook?: {
    /** The shared secret bodies are signed with. */
    secret: string
    /** Runs one build, given its job id (injected, so tests can count builds). */
    rebuild: (id: string) => Promise<Report>
    /** Least time between the starts of two hook builds, in ms. Default 1000. */
    minIntervalMs?: number
  }
  /** Told about unexpected failures (answered with 500), for the log. */
  onError?: (error: unknown) => void
}

export interface ListenOptions {
  /** Default 4173; 0 picks a free port. */
  port?: number
  /** Default 127.0.0.1: the server is reachable from outside only when asked. */
  host?: string
}

export interface FeedServer<Report> {
  server: http.Server
  /** Base URL, such as `http://127.0.0.1:4173/`. */
  url: string
  /** The hook's build queue, when the hook is on. */
  builds: BuildQueue<Report> | undefined
  /** Stops listening, lets a running build finish, drops a waiting one. */
  close(): Promise<void>
}

/** Makes the server: the hook under `/hooks/`, the out folder everywhere else. */
function createFeedServer<Report extends { ok: boolean }>(
  options: FeedServerOptions<Report>,
): { server: http.Server; builds: BuildQueue<Report> | undefined } {
  const store = createFileStore(options.root, options.feedFiles ?? DEFAULT_FEED_FILE_NAMES)
  const maxAge = options.maxAge ?? DEFAULT_MAX_AGE_SECONDS
  const hook = options.hook
  const builds =
    hook === undefined
      ? undefined
      : createBuildQueue(hook.rebuild, hook.minIntervalMs === undefined ? {} : { minIntervalMs: hook.minIntervalMs })
  // A client gets 30 s to send its whole request (a hook body trickled in
  // byte by byte would otherwise hold a connection for Node's default 5 min).
  const server = http.createServer({ headersTimeout: 20_000, requestTimeout: 30_000 }, (request, response) => {
    const pathname = (request.url ?? '').split('?', 1)[0] ?? ''
    const isHookPath = pathname === HOOK_PATH || pathname.startsWith(`${HOOK_PATH}/`)
    const handled = !isHookPath
      ? serveStaticFile(request, response, { store, maxAge })
      : hook !== undefined && builds !== undefined
        ? handleHookRequest(request, response, pathname, { secret: hook.secret, builds })
        : answerHookOff(response)
    handled.catch((error: unknown) => {
      options.onError?.(error)
      answerInternalError(response)
    })
  })
  return { server, builds }
}

/** Starts a server and resolves once it listens. */
export async function startFeedServer<Report extends { ok: boolean }>(
  options: FeedServerOptions<Report>,
  listen: ListenOptions = {},
): Promise<FeedServer<Report>> {
  const { server, builds } = createFeedServer(options)
  const host = listen.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(listen.port ?? 4173, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    server,
    url: new URL(`http://${urlHost}:${address.port}/`).href,
    builds,
    close: () => closeServer(server, builds),
  }
}

async function closeServer<Report>(server: http.Server, builds: BuildQueue<Report> | undefined): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()
  await builds?.settled({ cancelPending: true })
  // Whoever still holds a connection open after the last build gets cut off.
  server.closeAllConnections()
  await closed
}

// The path is reserved for the hook even when it is off, so that turning the
// hook on never hides a file someone relied on.
async function answerHookOff(response: http.ServerResponse): Promise<void> {
  response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
  response.end('Not found: the publish hook is off (start kabar serve with --hook-secret-env NAME).\n')
}

function answerInternalError(response: http.ServerResponse): void {
  if (response.headersSent) {
    response.destroy()
    return
  }
  response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
  response.end('Internal server error.\n')
}
