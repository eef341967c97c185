import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type BuildReport, build } from '../src/build.js'
import { createFileStore } from '../src/serve/file-store.js'
import { type FeedServer, startFeedServer } from '../src/serve/server.js'
import { assertWellFormedXml, jsonFeedSchemaErrors } from './helpers/feeds.js'
import { type HttpResponse, rawStatusLine, request, signBody } from './helpers/http.js'

const SECRET = 'a shared secret only the sender and the server know'
const MTIME = new Date('2025-03-01T10:00:00Z')
const SECRET_FILE_TEXT = 'this must never be served'

/** A feed long enough that gzip and brotli both shrink it. */
function rssDocument(title: string): string {
  const items = Array.from(
    { length: 40 },
    (_, index) =>
      `<item><title>${title} ${index}</title><link>https://example.org/${index}/</link><guid>https://example.org/${index}/</guid></item>`,
  )
  return `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>${title}</title>${items.join('\n')}</channel></rss>\n`
}

let temp: string
let dist: string

async function writeSite(): Promise<void> {
  temp = await mkdtemp(path.join(os.tmpdir(), 'kabar-serve-'))
  dist = path.join(temp, 'dist')
  await mkdir(path.join(dist, 'sub'), { recursive: true })
  await writeFile(path.join(temp, 'secret.txt'), SECRET_FILE_TEXT)
  const files: Record<string, string | Buffer> = {
    'rss.xml': rssDocument('First'),
    'atom.xml': `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title></feed>\n`,
    'feed.json': `${JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'J', items: [] })}\n`,
    'index.html': '<!doctype html><title>Feeds</title>\n',
    'feed.xsl': '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"/>\n',
    'subscriptions.opml': '<?xml version="1.0"?><opml version="2.0"><head/><body/></opml>\n',
    'pixel.png': Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
    'tiny.txt': 'x',
    '.kabar.lock': '4242',
    'sub/note.txt': 'in a folder without an index',
  }
  for (const [name, contents] of Object.entries(files)) {
    await writeFile(path.join(dist, name), contents)
    await utimes(path.join(dist, name), MTIME, MTIME)
  }
  await symlink(path.join(temp, 'secret.txt'), path.join(dist, 'escape.txt'))
  await symlink(temp, path.join(dist, 'up'))
  await symlink(path.join(dist, 'rss.xml'), path.join(dist, 'alias.xml'))
}

/** Replaces a file the way a build does: a complete temp file renamed over it. */
async function replaceFile(filePath: string, contents: string): Promise<void> {
  const tempPath = `${filePath}.${Math.random().toString(36).slice(2)}.tmp`
  await writeFile(tempPath, contents)
  await rename(tempPath, filePath)
}

function sha256(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('hex')
}

describe('kabar serve: static files', () => {
  let server: FeedServer<BuildReport>
  let url: string
  const get = (target: string, headers: Record<string, string> = {}) => request(url, target, { headers })

  beforeAll(async () => {
    await writeSite()
    server = await startFeedServer({ root: dist, maxAge: 120 }, { port: 0, host: '127.0.0.1' })
    url = server.url
  })
  afterAll(async () => {
    await server.close()
    await rm(temp, { recursive: true, force: true })
  })

  it('listens on 127.0.0.1 on the port the system picked', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(url).not.toBe('http://127.0.0.1:0/')
  })

  it.each([
    ['/rss.xml', 'application/rss+xml; charset=utf-8'],
    ['/atom.xml', 'application/atom+xml; charset=utf-8'],
    ['/feed.json', 'application/feed+json; charset=utf-8'],
    ['/index.html', 'text/html; charset=utf-8'],
    ['/feed.xsl', 'text/xsl; charset=utf-8'],
    ['/subscriptions.opml', 'text/x-opml; charset=utf-8'],
    ['/pixel.png', 'image/png'],
  ])('serves %s as %s', async (target, contentType) => {
    const response = await get(target)
    expect(response.status).toBe(200)
    expect(response.headers['content-type']).toBe(contentType)
    expect(response.body.equals(await readFile(path.join(dist, target)))).toBe(true)
  })

  it('answers 200 with a strong ETag, Last-Modified, the configured max-age and the exact length', async () => {
    const response = await get('/rss.xml')
    const file = await readFile(path.join(dist, 'rss.xml'))
    expect(response.status).toBe(200)
    expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/)
    expect(response.headers['last-modified']).toBe('Sat, 01 Mar 2025 10:00:00 GMT')
    expect(response.headers['cache-control']).toBe('public, max-age=120')
    expect(response.headers['content-length']).toBe(String(file.length))
    expect(response.headers['x-content-type-options']).toBe('nosniff')
    expect(response.headers.vary).toBe('Accept-Encoding')
    expect(response.headers['content-encoding']).toBeUndefined()
  })

  it('answers HEAD with the headers of GET and no body', async () => {
    const full = await get('/rss.xml', { 'Accept-Encoding': 'gzip' })
    const head = await request(url, '/rss.xml', { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } })
    expect(head.status).toBe(200)
    expect(head.body.length).toBe(0)
    for (const name of ['etag', 'last-modified', 'content-type', 'content-length', 'content-encoding', 'vary']) {
      expect(head.headers[name], name).toBe(full.headers[name])
    }
  })

  describe('conditional requests', () => {
    let etag: string
    let lastModified: string
    beforeAll(async () => {
      const response = await get('/rss.xml')
      etag = response.headers.etag as string
      lastModified = response.headers['last-modified'] as string
    })

    const expectNotModified = (response: HttpResponse) => {
      expect(response.status).toBe(304)
      expect(response.body.length).toBe(0)
      expect(response.headers.etag).toBe(etag)
      expect(response.headers['cache-control']).toBe('public, max-age=120')
      expect(response.headers.vary).toBe('Accept-Encoding')
    }

    it('answers 304 with no body when If-None-Match holds the ETag', async () => {
      expectNotModified(await get('/rss.xml', { 'If-None-Match': etag }))
      expectNotModified(await get('/rss.xml', { 'If-None-Match': `"other", ${etag}` }))
      expectNotModified(await get('/rss.xml', { 'If-None-Match': `W/${etag}` }))
      expectNotModified(await get('/rss.xml', { 'If-None-Match': '*' }))
      expectNotModified(await request(url, '/rss.xml', { method: 'HEAD', headers: { 'If-None-Match': etag } }))
    })

    it('answers 200 when If-None-Match holds another ETag', async () => {
      const response = await get('/rss.xml', { 'If-None-Match': '"not-this-one"' })
      expect(response.status).toBe(200)
      expect(response.body.length).toBeGreaterThan(0)
    })

    it('answers 304 when the file is not newer than If-Modified-Since, 200 when it is', async () => {
      expectNotModified(await get('/rss.xml', { 'If-Modified-Since': lastModified }))
      expectNotModified(await get('/rss.xml', { 'If-Modified-Since': 'Sun, 02 Mar 2025 00:00:00 GMT' }))
      expect((await get('/rss.xml', { 'If-Modified-Since': 'Sat, 01 Mar 2025 09:59:59 GMT' })).status).toBe(200)
    })

    it('lets If-None-Match decide when both are sent (RFC 9110 §13.2.2)', async () => {
      const response = await get('/rss.xml', { 'If-None-Match': '"stale"', 'If-Modified-Since': lastModified })
      expect(response.status).toBe(200)
    })
  })

  describe('compression', () => {
    let plain: Buffer
    beforeAll(async () => {
      plain = await readFile(path.join(dist, 'rss.xml'))
    })

    it('sends gzip to a client that accepts only gzip', async () => {
      const response = await get('/rss.xml', { 'Accept-Encoding': 'gzip' })
      expect(response.headers['content-encoding']).toBe('gzip')
      expect(response.headers.vary).toBe('Accept-Encoding')
      expect(response.headers['content-length']).toBe(String(response.body.length))
      expect(response.body.length).toBeLessThan(plain.length)
      expect(gunzipSync(response.body).equals(plain)).toBe(true)
    })

    it('prefers brotli among codings the client accepts equally', async () => {
      for (const accept of ['br', 'gzip, deflate, br', 'gzip, br, zstd']) {
        const response = await get('/rss.xml', { 'Accept-Encoding': accept })
        expect(response.headers['content-encoding'], accept).toBe('br')
        expect(brotliDecompressSync(response.body).equals(plain)).toBe(true)
      }
    })

    it("follows the client's q-values", async () => {
      const gzipPreferred = await get('/rss.xml', { 'Accept-Encoding': 'br;q=0.5, gzip' })
      expect(gzipPreferred.headers['content-encoding']).toBe('gzip')
      for (const accept of ['identity', 'deflate', 'gzip;q=0, br;q=0', '']) {
        const response = await get('/rss.xml', { 'Accept-Encoding': accept })
        expect(response.headers['content-encoding'], accept).toBeUndefined()
        expect(response.body.equals(plain)).toBe(true)
      }
    })

    it('gives each coding its own strong ETag, and compares conditionals with the one being sent', async () => {
      const identity = await get('/rss.xml')
      const gzip = await get('/rss.xml', { 'Accept-Encoding': 'gzip' })
      const brotli = await get('/rss.xml', { 'Accept-Encoding': 'br' })
      const etags = [identity, gzip, brotli].map((response) => response.headers.etag)
      expect(new Set(etags).size).toBe(3)
      const identityEtag = identity.headers.etag as string
      const gzipEtag = gzip.headers.etag as string
      const gzipAgain = await get('/rss.xml', { 'Accept-Encoding': 'gzip', 'If-None-Match': identityEtag })
      expect(gzipAgain.status).toBe(200)
      expect(gzipAgain.headers.etag).toBe(gzipEtag)
      const gzipNotModified = await get('/rss.xml', { 'Accept-Encoding': 'gzip', 'If-None-Match': gzipEtag })
      expect(gzipNotModified.status).toBe(304)
      expect(gzipNotModified.headers.etag).toBe(gzipEtag)
      expect((await get('/rss.xml', { 'If-None-Match': gzipEtag })).status).toBe(200)
    })

    it('leaves images and files that would not shrink uncompressed, without Vary', async () => {
      for (const target of ['/pixel.png', '/tiny.txt']) {
        const response = await get(target, { 'Accept-Encoding': 'gzip, br' })
        expect(response.headers['content-encoding'], target).toBeUndefined()
        expect(response.headers.vary, target).toBeUndefined()
      }
    })

    it('makes the compressed bodies once per version of a file, not per request', async () => {
      const store = createFileStore(dist, {})
      const first = await store.read('rss.xml')
      const second = await store.read('rss.xml')
      expect(second).toBe(first)
      expect(second?.representations.get('br')?.body).toBe(first?.representations.get('br')?.body)
      const concurrent = await Promise.all([store.read('atom.xml'), store.read('atom.xml'), store.read('atom.xml')])
      expect(concurrent[1]).toBe(concurrent[0])
      expect(concurrent[2]).toBe(concurrent[0])
    })
  })

  describe('paths', () => {
    it.each([
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/.%2e/secret.txt',
      '/sub/../../secret.txt',
      '/sub/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/..\\secret.txt',
      '/%2F..%2Fsecret.txt',
      '//etc/passwd',
      '/%2fetc%2fpasswd',
      '/C:/Windows/win.ini',
      '/C%3A%5CWindows%5Cwin.ini',
      '/escape.txt',
      '/up/secret.txt',
      '/./rss.xml',
      '/.kabar.lock',
      '/%2ekabar.lock',
      '/sub/',
      '/sub',
      '/missing.xml',
    ])('answers 404 to %s and never leaves the folder', async (target) => {
      const response = await get(target)
      expect(response.status).toBe(404)
      expect(response.body.toString()).not.toContain(SECRET_FILE_TEXT)
    })

    it.each(['/rss.xml%00', '/rss.xml%00.html', '/%00/../secret.txt', '/%zz', '/%e0%a4%a'])(
      'answers 400 to %s',
      async (target) => {
        const response = await get(target)
        expect(response.status).toBe(400)
      },
    )

    it('answers 400 to a raw NUL byte and to an absolute-form target', async () => {
      expect(await rawStatusLine(url, 'GET /rss.xml\0.html HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /)
      expect(await rawStatusLine(url, 'GET http://x/../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(
        /^HTTP\/1\.1 400 /,
      )
    })

    it('serves a symlink that stays inside the folder, and index.html for the folder itself', async () => {
      const alias = await get('/alias.xml')
      expect(alias.status).toBe(200)
      expect(alias.body.equals(await readFile(path.join(dist, 'rss.xml')))).toBe(true)
      const root = await get('/')
      expect(root.status).toBe(200)
      expect(root.headers['content-type']).toBe('text/html; charset=utf-8')
      expect((await get('/rss.xml?utm_source=reader')).status).toBe(200)
    })

    it('never lists a folder', async () => {
      const response = await get('/sub/')
      expect(response.status).toBe(404)
      expect(response.body.toString()).not.toContain('note.txt')
    })
  })

  it('answers 405 with Allow to methods other than GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const response = await request(url, '/rss.xml', { method, body: 'x' })
      expect(response.status, method).toBe(405)
      expect(response.headers.allow).toBe('GET, HEAD')
    }
  })

  it('answers 404 on the hook paths when the hook is off', async () => {
    const body = '{}'
    const headers = { 'X-Hub-Signature-256': signBody(SECRET, body) }
    expect((await request(url, '/hooks/rebuild', { method: 'POST', headers, body })).status).toBe(404)
    expect((await get('/hooks/rebuild/anything')).status).toBe(404)
  })
})

describe('kabar serve: rebuilds', () => {
  let server: FeedServer<BuildReport>
  beforeEach(async () => {
    await writeSite()
    server = await startFeedServer({ root: dist }, { port: 0 })
  })
  afterEach(async () => {
    await server.close()
    await rm(temp, { recursive: true, force: true })
  })

  it('serves the new file with a new ETag and Last-Modified after a rebuild replaces it', async () => {
    const before = await request(server.url, '/rss.xml', { headers: { 'Accept-Encoding': 'br' } })
    await replaceFile(path.join(dist, 'rss.xml'), rssDocument('Second'))
    const after = await request(server.url, '/rss.xml', {
      headers: { 'Accept-Encoding': 'br', 'If-None-Match': before.headers.etag as string },
    })
    expect(after.status).toBe(200)
    expect(after.headers.etag).not.toBe(before.headers.etag)
    expect(after.headers['last-modified']).not.toBe(before.headers['last-modified'])
    expect(brotliDecompressSync(after.body).toString()).toBe(rssDocument('Second'))
    const again = await request(server.url, '/rss.xml', {
      headers: { 'Accept-Encoding': 'br', 'If-None-Match': after.headers.etag as string },
    })
    expect(again.status).toBe(304)
  })

  it('answers 404 once a file is removed', async () => {
    expect((await request(server.url, '/atom.xml')).status).toBe(200)
    await rm(path.join(dist, 'atom.xml'))
    expect((await request(server.url, '/atom.xml')).status).toBe(404)
  })

  it('gives a client polling during rebuilds a whole old or whole new file, never a mix', async () => {
    const versions = ['A', 'B', 'C'].map((name) => rssDocument(name.repeat(2000)))
    const hashes = new Set([rssDocument('First'), ...versions].map(sha256))
    let isWriting = true
    const writer = (async () => {
      for (let round = 0; isWriting; round++) {
        await replaceFile(path.join(dist, 'rss.xml'), versions[round % versions.length] as string)
      }
    })()
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
    const bodies: string[] = []
    for (let poll = 0; poll < 60; poll++) {
      const batch = await Promise.all([
        request(server.url, '/rss.xml', { agent }),
        request(server.url, '/rss.xml', { agent, headers: { 'Accept-Encoding': 'gzip' } }),
      ])
      expect(batch.map((response) => response.status)).toEqual([200, 200])
      bodies.push(sha256(batch[0]?.body ?? ''), sha256(gunzipSync(batch[1]?.body ?? Buffer.alloc(0))))
    }
    isWriting = false
    await writer
    agent.destroy()
    for (const body of bodies) expect(hashes.has(body)).toBe(true)
    expect(new Set(bodies).size, 'the polls saw more than one version').toBeGreaterThan(1)
  })
})

describe('kabar serve: the publish hook', () => {
  let server: FeedServer<{ ok: boolean; note: string }>
  let builds: number
  let nextOutcome: 'ok' | 'failed' | 'crash'

  async function fakeBuild(): Promise<{ ok: boolean; note: string }> {
    builds++
    await new Promise((resolve) => setTimeout(resolve, 30))
    if (nextOutcome === 'crash') throw new Error('the build crashed')
    return { ok: nextOutcome === 'ok', note: `build ${builds}` }
  }

  beforeEach(async () => {
    builds = 0
    nextOutcome = 'ok'
    await writeSite()
    server = await startFeedServer(
      { root: dist, hook: { secret: SECRET, rebuild: fakeBuild, minIntervalMs: 0 } },
      { port: 0 },
    )
  })
  afterEach(async () => {
    await server.close()
    await rm(temp, { recursive: true, force: true })
  })

  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    request(server.url, '/hooks/rebuild', { method: 'POST', body, headers })
  const signedPost = (body: string) => post(body, { 'X-Hub-Signature-256': signBody(SECRET, body) })

  async function waitForJob(id: string): Promise<Record<string, unknown>> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const response = await request(server.url, `/hooks/rebuild/${id}`)
      expect(response.status).toBe(200)
      const job = JSON.parse(response.body.toString()) as Record<string, unknown>
      if (job.status === 'done' || job.status === 'failed') return job
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(`build ${id} did not finish`)
  }

  it('answers a signed call 202 at once with an id whose status shows the report', async () => {
    const response = await signedPost('{"ref":"refs/heads/main"}')
    expect(response.status).toBe(202)
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    const answer = JSON.parse(response.body.toString()) as { id: string; status: string; statusUrl: string }
    expect(answer.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(answer.status).toBe('queued')
    expect(answer.statusUrl).toBe(`/hooks/rebuild/${answer.id}`)
    expect(response.headers.location).toBe(`/hooks/rebuild/${answer.id}`)
    const job = await waitForJob(answer.id)
    expect(job).toMatchObject({ id: answer.id, status: 'done', report: { ok: true, note: 'build 1' } })
    expect(job.startedAt).toEqual(expect.any(String))
    expect(job.finishedAt).toEqual(expect.any(String))
    expect(builds).toBe(1)
  })

  it('reports a failed build and a crashed one as failed', async () => {
    nextOutcome = 'failed'
    const failed = JSON.parse((await signedPost('{}')).body.toString()) as { id: string }
    expect(await waitForJob(failed.id)).toMatchObject({ status: 'failed', report: { ok: false } })
    nextOutcome = 'crash'
    const crashed = JSON.parse((await signedPost('{}')).body.toString()) as { id: string }
    expect(await waitForJob(crashed.id)).toMatchObject({ status: 'failed', error: 'the build crashed' })
  })

  it('answers 404 to an unknown build id and 405 to other methods on a status', async () => {
    expect((await request(server.url, '/hooks/rebuild/00000000-0000-0000-0000-000000000000')).status).toBe(404)
    const { id } = JSON.parse((await signedPost('{}')).body.toString()) as { id: string }
    const response = await request(server.url, `/hooks/rebuild/${id}`, { method: 'DELETE' })
    expect(response.status).toBe(405)
    expect(response.headers.allow).toBe('GET, HEAD')
  })

  it.each([
    ['no signature', {}],
    ['an empty signature', { 'X-Hub-Signature-256': '' }],
    ['a SHA-1 signature', { 'X-Hub-Signature': `sha1=${'0'.repeat(40)}` }],
    ['another scheme', { 'X-Hub-Signature-256': `sha1=${'0'.repeat(64)}` }],
    ['a short digest', { 'X-Hub-Signature-256': 'sha256=abcd' }],
    ['a digest that is not hex', { 'X-Hub-Signature-256': `sha256=${'z'.repeat(64)}` }],
    ['a signature of another body', { 'X-Hub-Signature-256': signBody(SECRET, '{"other":1}') }],
    ['a signature made with another secret', { 'X-Hub-Signature-256': signBody('guess', '{"ref":1}') }],
    ['a signature with trailing garbage', { 'X-Hub-Signature-256': `${signBody(SECRET, '{"ref":1}')}00` }],
  ])('answers 401 to %s and builds nothing', async (_, headers: Record<string, string>) => {
    const response = await post('{"ref":1}', headers)
    expect(response.status).toBe(401)
    expect(JSON.parse(response.body.toString())).toEqual({ error: expect.any(String) })
    await server.builds?.settled()
    expect(builds).toBe(0)
  })

  it('answers 405 with Allow: POST to other methods on the hook', async () => {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      const response = await request(server.url, '/hooks/rebuild', { method })
      expect(response.status, method).toBe(405)
      expect(response.headers.allow).toBe('POST')
    }
    expect(builds).toBe(0)
  })

  it('answers 413 to a body over 1 MiB, declared or streamed, without reading it', async () => {
    const oneMiB = 1024 * 1024
    const declared = await new Promise<number>((resolve, reject) => {
      const url = new URL(server.url)
      const outgoing = http.request({
        host: url.hostname,
        port: url.port,
        path: '/hooks/rebuild',
        method: 'POST',
        agent: false,
        headers: { 'Content-Length': String(oneMiB + 1), 'X-Hub-Signature-256': signBody(SECRET, 'x') },
      })
      outgoing.on('response', (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
      })
      outgoing.on('error', reject)
      // Only the headers and a first chunk: the answer must not wait for the rest.
      outgoing.write(Buffer.alloc(1024))
    })
    expect(declared).toBe(413)

    const streamed = await new Promise<number>((resolve, reject) => {
      const url = new URL(server.url)
      const outgoing = http.request({
        host: url.hostname,
        port: url.port,
        path: '/hooks/rebuild',
        method: 'POST',
        agent: false,
        headers: { 'Transfer-Encoding': 'chunked', 'X-Hub-Signature-256': signBody(SECRET, 'x') },
      })
      let isAnswered = false
      outgoing.on('response', (response) => {
        isAnswered = true
        response.resume()
        resolve(response.statusCode ?? 0)
      })
      outgoing.on('error', (error) => {
        if (!isAnswered) reject(error)
      })
      const chunk = Buffer.alloc(64 * 1024, 'a')
      const writeMore = (sent: number) => {
        if (isAnswered || sent > 4 * oneMiB) return
        outgoing.write(chunk, () => writeMore(sent + chunk.length))
      }
      writeMore(0)
    })
    expect(streamed).toBe(413)
    await server.builds?.settled()
    expect(builds).toBe(0)
  })

  it('accepts a body of exactly 1 MiB', async () => {
    const body = 'a'.repeat(1024 * 1024)
    expect((await signedPost(body)).status).toBe(202)
  })

  it('coalesces calls during a build into one follow-up build', async () => {
    const first = JSON.parse((await signedPost('{}')).body.toString()) as { id: string }
    const during = await Promise.all(Array.from({ length: 5 }, () => signedPost('{}')))
    const ids = new Set(during.map((response) => (JSON.parse(response.body.toString()) as { id: string }).id))
    expect(ids.size).toBe(1)
    expect(ids.has(first.id)).toBe(false)
    await server.builds?.settled()
    expect(builds).toBe(2)
  })

  it('builds nothing for 1,000 forged or unsigned calls', async () => {
    const statuses: number[] = []
    const calls = Array.from({ length: 1000 }, (_, index) => index)
    for (let start = 0; start < calls.length; start += 50) {
      const batch = calls.slice(start, start + 50).map((index) => {
        const body = JSON.stringify({ index })
        const headers: Record<string, string> =
          index % 2 === 0 ? {} : { 'X-Hub-Signature-256': signBody(`${SECRET}?`, body) }
        return post(body, headers)
      })
      statuses.push(...(await Promise.all(batch)).map((response) => response.status))
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(1000)
    await server.builds?.settled()
    expect(builds).toBe(0)
  })
})

describe('kabar serve: 100 hook calls against a real build', () => {
  let site: string
  let server: FeedServer<BuildReport>
  let builds = 0
  const NOW = new Date('2026-01-01T00:00:00Z')

  const writePost = (name: string, title: string, date: string) =>
    writeFile(path.join(site, 'posts', name), `---\ntitle: ${title}\ndate: ${date}\n---\n\nAbout ${title}.\n`)

  beforeAll(async () => {
    site = await mkdtemp(path.join(os.tmpdir(), 'kabar-serve-site-'))
    await mkdir(path.join(site, 'posts'))
    await writeFile(
      path.join(site, 'kabar.config.json'),
      JSON.stringify({ site: { title: 'Hook test', url: 'https://hook.example/', description: 'Test' } }),
    )
    await writePost('first.md', 'First post', '2025-01-01')
    const initial = await build({ cwd: site, now: NOW })
    expect(initial.errors).toEqual([])
    server = await startFeedServer(
      {
        root: path.join(site, 'dist'),
        hook: {
          secret: SECRET,
          rebuild: async () => {
            builds++
            return build({ cwd: site, now: NOW })
          },
        },
      },
      { port: 0 },
    )
  })
  afterAll(async () => {
    await server.close()
    await rm(site, { recursive: true, force: true })
  })

  it('runs at most 2 builds for 100 valid calls within a second, and serves correct feeds after', async () => {
    const before = await request(server.url, '/rss.xml', { headers: { 'Accept-Encoding': 'gzip' } })
    await writePost('second.md', 'Second post', '2025-02-01')
    const agent = new http.Agent({ keepAlive: true, maxSockets: 20 })
    const started = performance.now()
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, index) => {
        const body = JSON.stringify({ ref: 'refs/heads/main', after: index })
        return request(server.url, '/hooks/rebuild', {
          method: 'POST',
          body,
          agent,
          headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signBody(SECRET, body) },
        })
      }),
    )
    const elapsed = performance.now() - started
    agent.destroy()
    expect(elapsed).toBeLessThan(1000)
    for (const response of responses) {
      expect(response.status).toBe(202)
      expect(JSON.parse(response.body.toString())).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        status: expect.stringMatching(/^(queued|running)$/),
        statusUrl: expect.stringMatching(/^\/hooks\/rebuild\/[0-9a-f-]{36}$/),
      })
    }
    await server.builds?.settled()
    expect(builds).toBeGreaterThanOrEqual(1)
    expect(builds).toBeLessThanOrEqual(2)

    const stale = await request(server.url, '/rss.xml', {
      headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': before.headers.etag as string },
    })
    expect(stale.status).toBe(200)
    expect(stale.headers.etag).not.toBe(before.headers.etag)
    const rss = await request(server.url, '/rss.xml')
    expect(rss.body.equals(await readFile(path.join(site, 'dist', 'rss.xml')))).toBe(true)
    assertWellFormedXml(rss.body.toString())
    expect(rss.body.toString()).toContain('<title>Second post</title>')
    const atom = await request(server.url, '/atom.xml', { headers: { 'Accept-Encoding': 'br' } })
    assertWellFormedXml(brotliDecompressSync(atom.body).toString())
    const json = JSON.parse((await request(server.url, '/feed.json')).body.toString()) as { items: unknown[] }
    expect(jsonFeedSchemaErrors(json)).toEqual([])
    expect(json.items).toHaveLength(2)
    const lastId = (JSON.parse(responses.at(-1)?.body.toString() ?? '{}') as { id: string }).id
    const job = JSON.parse((await request(server.url, `/hooks/rebuild/${lastId}`)).body.toString())
    expect(job).toMatchObject({ status: 'done', report: { ok: true, feeds: { 'rss.xml': 2 } } })
  })
})

describe('file stamps', () => {
  it('treats a file replaced by rename as a new version even with the same size and mtime', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'kabar-stamp-'))
    try {
      const file = path.join(folder, 'rss.xml')
      await writeFile(file, rssDocument('One'))
      await utimes(file, MTIME, MTIME)
      const store = createFileStore(folder, {})
      const first = await store.read('rss.xml')
      await replaceFile(file, rssDocument('Two'))
      await utimes(file, MTIME, MTIME)
      expect((await stat(file)).size).toBe(Buffer.byteLength(rssDocument('One')))
      const second = await store.read('rss.xml')
      expect(second?.representations.get('identity')?.body.toString()).toBe(rssDocument('Two'))
      expect(second?.representations.get('identity')?.etag).not.toBe(first?.representations.get('identity')?.etag)
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })
})
