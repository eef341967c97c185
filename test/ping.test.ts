import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { pingHub } from '../src/io/websub.js'
import { copySampleSite, removeSite, runKabar } from './helpers/temp-site.js'

/**
 * `kabar ping` against a minimal WebSub hub on 127.0.0.1: it records every
 * publish request and answers with the status the test chooses.
 */

interface HubRequest {
  method: string
  contentType: string | undefined
  mode: string | null
  urls: string[]
}

interface TestHub {
  url: string
  requests: HubRequest[]
  /** Statuses to answer with, in order; 204 once they run out. `'hang'` never answers. */
  answers: (number | 'hang')[]
  close: () => Promise<void>
}

async function startHub(): Promise<TestHub> {
  const requests: HubRequest[] = []
  const answers: (number | 'hang')[] = []
  const server = http.createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString()
    })
    request.on('end', () => {
      const form = new URLSearchParams(body)
      requests.push({
        method: request.method ?? '',
        contentType: request.headers['content-type'],
        mode: form.get('hub.mode'),
        urls: form.getAll('hub.url'),
      })
      const answer = answers.shift() ?? 204
      if (answer === 'hang') return
      response.statusCode = answer
      response.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  return {
    url,
    requests,
    answers,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const FEEDS = ['rss.xml', 'atom.xml', 'feed.json'].map((name) => `https://nemes.example/${name}`)
const AI_FEEDS = ['rss.xml', 'atom.xml', 'feed.json'].map((name) => `https://nemes.example/tags/ai/${name}`)
const pinged = (hub: TestHub) => hub.requests.flatMap((request) => request.urls)

let hub: TestHub
let site: string
beforeEach(async () => {
  hub = await startHub()
  site = await copySampleSite({ site: { hub: hub.url }, feeds: { tags: ['AI'] } })
  expect((await runKabar(site, 'build')).code).toBe(0)
})
afterEach(async () => {
  await hub.close()
  await removeSite(site)
})

async function editPost(file: string, edit: (text: string) => string): Promise<void> {
  const postPath = path.join(site, 'posts', file)
  await writeFile(postPath, edit(await readFile(postPath, 'utf8')))
}

describe('kabar ping', () => {
  it('announces the hub in every feed it pings', async () => {
    expect(await readFile(path.join(site, 'dist/rss.xml'), 'utf8')).toContain(
      `<atom:link href="${hub.url}" rel="hub"/>`,
    )
    expect(await readFile(path.join(site, 'dist/tags/ai/atom.xml'), 'utf8')).toContain(
      `<link rel="hub" href="${hub.url}"/>`,
    )
    const json = JSON.parse(await readFile(path.join(site, 'dist/feed.json'), 'utf8'))
    expect(json.hubs).toEqual([{ type: 'WebSub', url: hub.url }])
  })

  it('sends hub.mode=publish with hub.url for every subscription feed, then remembers them', async () => {
    const result = await runKabar(site, 'ping')
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(hub.requests.every((request) => request.method === 'POST')).toBe(true)
    expect(hub.requests.every((request) => request.contentType === 'application/x-www-form-urlencoded')).toBe(true)
    expect(hub.requests.every((request) => request.mode === 'publish')).toBe(true)
    expect(pinged(hub)).toEqual([...FEEDS, ...AI_FEEDS])
    expect(result.stdout).toBe(
      `kabar ping: told ${hub.url} about rss.xml atom.xml feed.json tags/ai/rss.xml tags/ai/atom.xml tags/ai/feed.json\n`,
    )
    expect(existsSync(path.join(site, '.kabar-ping.json'))).toBe(true)
  })

  it('pings nothing when nothing changed since the last ping', async () => {
    await runKabar(site, 'ping')
    hub.requests.length = 0
    const result = await runKabar(site, 'ping')
    expect(hub.requests).toEqual([])
    expect(result.stdout).toBe('kabar ping: 6 unchanged since the last ping\n')
  })

  it('pings only the feeds a changed post is in', async () => {
    await runKabar(site, 'ping')
    hub.requests.length = 0
    // Tagged Alibaba and Pasar: the main feeds change, the AI feeds do not.
    await editPost('2025-03-05-kapitalisasi-pasar-alibaba.md', (text) => `${text}\nSatu kalimat lagi.\n`)
    await runKabar(site, 'build')
    await runKabar(site, 'ping')
    expect(pinged(hub)).toEqual(FEEDS)

    hub.requests.length = 0
    await editPost('2025-02-18-chip-ai-dan-pasokan.md', (text) => `${text}\nSatu kalimat lagi.\n`)
    await runKabar(site, 'build')
    await runKabar(site, 'ping')
    expect(pinged(hub)).toEqual([...FEEDS, ...AI_FEEDS])
  })

  it('never pings archive pages, which never change', async () => {
    await removeSite(site)
    site = await copySampleSite({ site: { hub: hub.url }, limit: 2, archive: { pageSize: 2 } })
    await runKabar(site, 'build')
    expect(existsSync(path.join(site, 'dist/archive/1.rss.xml'))).toBe(true)
    await runKabar(site, 'ping')
    expect(pinged(hub)).toEqual(FEEDS)
  })

  it('treats a hub that is down as a warning, and pings again next time', async () => {
    await hub.close()
    const down = await runKabar(site, 'ping', '--timeout', '2')
    expect(down.code).toBe(0)
    expect(down.stderr).toMatch(
      new RegExp(
        `^kabar: warning: the hub ${hub.url} is not answering \\(ECONNREFUSED, 3 tries\\), so 6 changed feeds were not announced; subscribers still see them at their next poll — run kabar ping again later\\n$`,
      ),
    )
    expect(down.stdout).toBe('kabar ping: 6 not delivered (warned above)\n')

    const port = new URL(hub.url).port
    hub = await startHub()
    // The site's config names the old port: point it at the new hub's, rebuilding the feeds.
    const configPath = path.join(site, 'kabar.config.json')
    await writeFile(configPath, (await readFile(configPath, 'utf8')).replace(`:${port}/`, `:${new URL(hub.url).port}/`))
    await runKabar(site, 'build')
    expect((await runKabar(site, 'ping')).code).toBe(0)
    expect(pinged(hub)).toEqual([...FEEDS, ...AI_FEEDS])
  }, 30_000)

  it('says what to do when the config names no hub', async () => {
    await removeSite(site)
    site = await copySampleSite()
    await runKabar(site, 'build')
    const result = await runKabar(site, 'ping')
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      'kabar.config.json: there is no hub to ping: add "hub": "<your WebSub hub URL>" to "site" in the config (and build, so the feeds announce it)\n',
    )
  })

  it('prints a JSON report with --json', async () => {
    const result = await runKabar(site, 'ping', '--json')
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      hub: hub.url,
      pinged: [...FEEDS, ...AI_FEEDS],
      unchanged: [],
      failed: [],
      warnings: [],
    })
  })
})

describe('pingHub', () => {
  const statePath = () => path.join(site, '.kabar-ping.json')
  const feed = { url: 'https://nemes.example/rss.xml', hash: 'a'.repeat(64) }

  it('retries a hub that answers 503, then records the feed', async () => {
    hub.answers.push(503, 503)
    const result = await pingHub(hub.url, [feed], { statePath: statePath(), retryDelayMs: 10 })
    expect(hub.requests).toHaveLength(3)
    expect(result.pinged).toEqual([feed.url])
    expect(result.warnings).toEqual([])
  })

  it('gives up on a hub that does not answer in time, with a warning', async () => {
    hub.answers.push('hang', 'hang')
    const result = await pingHub(hub.url, [feed], {
      statePath: statePath(),
      timeoutMs: 200,
      attempts: 2,
      retryDelayMs: 10,
    })
    expect(result.failed).toEqual([feed.url])
    expect(result.warnings.map((warning) => warning.message)).toEqual([
      `the hub ${hub.url} is not answering (no answer in time, 2 tries), so 1 changed feed was not announced; subscribers still see them at their next poll — run kabar ping again later`,
    ])
  })

  it('does not retry a feed the hub refuses (4xx), and goes on with the others', async () => {
    hub.answers.push(400)
    const other = { url: 'https://nemes.example/atom.xml', hash: 'b'.repeat(64) }
    const result = await pingHub(hub.url, [feed, other], { statePath: statePath(), retryDelayMs: 10 })
    expect(hub.requests).toHaveLength(2)
    expect(result.failed).toEqual([feed.url])
    expect(result.pinged).toEqual([other.url])
    expect(result.warnings.map((warning) => warning.message)).toEqual([
      `the hub ${hub.url} refused the ping for ${feed.url} (HTTP 400); its subscribers will see the change at their next poll`,
    ])
  })
})
