import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { BuildQueue } from './build-queue.js'

/** Bodies larger than this are refused unread (413): a push event is far smaller. */
const MAX_HOOK_BODY_BYTES = 1024 * 1024

export const HOOK_PATH = '/hooks/rebuild'
const SIGNATURE_HEADER = 'x-hub-signature-256'
const SIGNATURE_PATTERN = /^sha256=([0-9a-f]{64})$/i

export interface PublishHook<Report> {
  /** The shared secret the sender signs with (GitHub's webhook "secret"). */
  secret: string
  builds: BuildQueue<Report>
}

/**
 * Checks a GitHub-style `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of
 * the raw body>` in constant time, so a forger learns nothing from timing.
 */
function isValidSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  const match = header === undefined ? null : SIGNATURE_PATTERN.exec(header.trim())
  if (match?.[1] === undefined) return false
  const expected = createHmac('sha256', secret).update(body).digest()
  return timingSafeEqual(Buffer.from(match[1], 'hex'), expected)
}

/** Handles `/hooks/rebuild` and `/hooks/rebuild/<id>`; `pathname` is the raw request path. */
export async function handleHookRequest<Report>(
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
  hook: PublishHook<Report>,
): Promise<void> {
  if (pathname === HOOK_PATH) return acceptRebuild(request, response, hook)
  const id = pathname.startsWith(`${HOOK_PATH}/`) ? pathname.slice(HOOK_PATH.length + 1) : undefined
  if (id === undefined || id === '' || id.includes('/')) return sendJson(response, 404, { error: 'not found' })
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return sendJson(response, 405, { error: 'use GET to read a build status' }, { Allow: 'GET, HEAD' })
  }
  const job = hook.builds.get(id)
  if (job === undefined) return sendJson(response, 404, { error: `no recent build has the id ${id}` })
  sendJson(response, 200, job, {}, request.method === 'HEAD')
}

async function acceptRebuild<Report>(
  request: IncomingMessage,
  response: ServerResponse,
  hook: PublishHook<Report>,
): Promise<void> {
  if (request.method !== 'POST') {
    return refuse(response, 405, 'use POST to request a rebuild', { Allow: 'POST' })
  }
  const signature = request.headers[SIGNATURE_HEADER]
  if (typeof signature !== 'string') {
    return refuse(response, 401, 'sign the body: X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body, hex>')
  }
  const declaredLength = Number(request.headers['content-length'] ?? 0)
  if (declaredLength > MAX_HOOK_BODY_BYTES) return refuse(response, 413, 'the body is larger than 1 MiB')
  const body = await readBodyUpTo(request, MAX_HOOK_BODY_BYTES)
  if (body === undefined) return refuse(response, 413, 'the body is larger than 1 MiB')
  if (!isValidSignature(hook.secret, body, signature)) {
    return sendJson(response, 401, { error: 'the signature does not match the body' })
  }
  const job = hook.builds.request()
  sendJson(
    response,
    202,
    { id: job.id, status: job.status, statusUrl: `${HOOK_PATH}/${job.id}` },
    {
      Location: `${HOOK_PATH}/${job.id}`,
    },
  )
}

/** The body, or `undefined` as soon as it passes `limit` bytes (the rest is never read). */
async function readBodyUpTo(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  // Leaving the loop must not destroy the request: the 413 still has to go out.
  for await (const chunk of request.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length
    if (size > limit) return undefined
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks, size)
}

/**
 * Answers a request whose body was not (fully) read, and closes the
 * connection: draining an unwanted body would let anyone make us read
 * megabytes per request.
 */
function refuse(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  response.shouldKeepAlive = false
  sendJson(response, status, { error: message }, { ...headers, Connection: 'close' })
  response.once('finish', () => response.req.socket.destroySoon())
}

function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
  isHead = false,
): void {
  const body = Buffer.from(`${JSON.stringify(value, null, 2)}\n`)
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  })
  response.end(isHead ? undefined : body)
}
