import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { assertWellFormedXml } from './helpers/feeds.js'
import { request, signBody } from './helpers/http.js'

const NOW = new Date('2026-01-01T00:00:00Z')
const SECRET = 'the hook secret for the CLI tests'
const git = promisify(execFile)
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.org',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.org',
}

class Capture extends Writable {
  text = ''
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

let temp: string
let site: string

const postText = (title: string, date: string) => `---\ntitle: ${title}\ndate: ${date}\n---\n\nAbout ${title}.\n`

async function writeSite(folder: string): Promise<void> {
  await mkdir(path.join(folder, 'posts'), { recursive: true })
  await writeFile(
    path.join(folder, 'kabar.config.json'),
    `${JSON.stringify({ site: { title: 'CLI test', url: 'https://cli.example/', description: 'Test' } })}\n`,
  )
  await writeFile(path.join(folder, 'posts', 'first.md'), postText('First post', '2025-01-01'))
}

beforeEach(async () => {
  temp = await mkdtemp(path.join(os.tmpdir(), 'kabar-serve-cli-'))
  site = path.join(temp, 'site')
  await writeSite(site)
})
afterEach(async () => {
  await rm(temp, { recursive: true, force: true })
})

/** Starts `kabar serve` in-process and resolves once it printed its address. */
async function startServe(argv: string[], env: NodeJS.ProcessEnv = { ...process.env, HOOK_SECRET: SECRET }) {
  const stdout = new Capture()
  const stderr = new Capture()
  const controller = new AbortController()
  const exited = main(['serve', '--port', '0', ...argv], {
    cwd: site,
    stdout,
    stderr,
    env,
    now: NOW,
    signal: controller.signal,
  })
  for (let attempt = 0; attempt < 500 && !/http:\/\/\S+\//.test(stdout.text); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout.text)?.[1]
  if (url === undefined) throw new Error(`kabar serve did not start: ${stderr.text}`)
  const stop = async () => {
    controller.abort()
    return exited
  }
  return { url, stdout, stderr, stop }
}

/** Polls `condition` every 20 ms for up to 10 s. */
async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('timed out waiting')
}

async function hookBuild(url: string): Promise<Record<string, unknown>> {
  const body = '{"ref":"refs/heads/main"}'
  const response = await request(url, '/hooks/rebuild', {
    method: 'POST',
    body,
    headers: { 'X-Hub-Signature-256': signBody(SECRET, body) },
  })
  expect(response.status).toBe(202)
  const { id } = JSON.parse(response.body.toString()) as { id: string }
  for (let attempt = 0; attempt < 1000; attempt++) {
    const job = JSON.parse((await request(url, `/hooks/rebuild/${id}`)).body.toString()) as Record<string, unknown>
    if (job.status === 'done' || job.status === 'failed') return job
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('the hook build did not finish')
}

describe('kabar serve', () => {
  it('serves the built feeds and rebuilds on a signed hook call, until stopped', async () => {
    expect(
      await main(['build', '--quiet'], { cwd: site, stdout: new Capture(), stderr: new Capture(), now: NOW }),
    ).toBe(0)
    const serve = await startServe(['--hook-secret-env', 'HOOK_SECRET', '--max-age', '60'])
    expect(serve.stdout.text).toContain(`kabar serve: dist/ at ${serve.url} (Cache-Control: max-age=60)`)
    expect(serve.stdout.text).toContain(`publish hook: POST ${serve.url}hooks/rebuild signed with $HOOK_SECRET`)
    expect(serve.stdout.text).not.toContain(SECRET)
    const rss = await request(serve.url, '/rss.xml')
    expect(rss.status).toBe(200)
    expect(rss.headers['content-type']).toBe('application/rss+xml; charset=utf-8')
    expect(rss.headers['cache-control']).toBe('public, max-age=60')

    await writeFile(path.join(site, 'posts', 'second.md'), postText('Second post', '2025-02-01'))
    const job = await hookBuild(serve.url)
    expect(job).toMatchObject({
      status: 'done',
      report: { ok: true, outDir: 'dist', written: expect.arrayContaining(['rss.xml']) },
    })
    expect((await request(serve.url, '/rss.xml')).body.toString()).toContain('<title>Second post</title>')
    expect(serve.stdout.text).toMatch(new RegExp(`kabar serve: build ${job.id as string}: kabar: 2 posts`))
    expect(await serve.stop()).toBe(0)
  })

  it('with --watch, builds at start, serves with max-age 0 and serves each rebuild', async () => {
    const serve = await startServe(['--watch'])
    await waitFor(() => serve.stdout.text.includes('watching: posts/'))
    const first = await request(serve.url, '/rss.xml')
    expect(first.status).toBe(200)
    expect(first.headers['cache-control']).toBe('public, max-age=0')
    await writeFile(path.join(site, 'posts', 'second.md'), postText('Watched post', '2025-02-01'))
    let body = ''
    await waitFor(async () => {
      body = (await request(serve.url, '/rss.xml')).body.toString()
      return body.includes('<title>Watched post</title>')
    })
    assertWellFormedXml(body)
    // The feed is renamed into place before the rebuild's report is printed.
    await waitFor(() => serve.stdout.text.includes('kabar serve: posts/second.md added'))
    expect(await serve.stop()).toBe(0)
  })

  it("uses the config's feed file names for content types", async () => {
    await writeFile(
      path.join(site, 'kabar.config.json'),
      JSON.stringify({
        site: { title: 'CLI test', url: 'https://cli.example/', description: 'Test' },
        output: { rss: 'feed.xml', atom: 'feed.atom', json: 'feed.json' },
      }),
    )
    await main(['build', '--quiet'], { cwd: site, stdout: new Capture(), stderr: new Capture(), now: NOW })
    const serve = await startServe([])
    expect((await request(serve.url, '/feed.xml')).headers['content-type']).toBe('application/rss+xml; charset=utf-8')
    expect((await request(serve.url, '/feed.atom')).headers['content-type']).toBe('application/atom+xml; charset=utf-8')
    expect(await serve.stop()).toBe(0)
  })

  it.each([
    [['--hook-secret-env', 'NOT_SET_ANYWHERE'], /\$NOT_SET_ANYWHERE is empty or not set/],
    [['--hook-secret-env', 'hunter2!'], /name of an environment variable/],
    [['--port', '70000'], /--port takes a whole number from 0 to 65535, not "70000"/],
    [['--port', 'http'], /--port takes a whole number/],
    [['--max-age=-1'], /--max-age takes a whole number/],
    [['--max-age', '1.5'], /--max-age takes a whole number/],
    [['--pull'], /--pull runs before hook builds: add --hook-secret-env NAME/],
  ])('exits 2 on bad usage: %j', async (argv, message) => {
    const stderr = new Capture()
    const code = await main(['serve', ...argv], { cwd: site, stdout: new Capture(), stderr, env: {} })
    expect(code).toBe(2)
    expect(stderr.text).toMatch(message)
  })

  it('exits 2 when a serve option is given to another command', async () => {
    const stderr = new Capture()
    expect(await main(['build', '--port', '8080'], { cwd: site, stdout: new Capture(), stderr })).toBe(2)
    expect(stderr.text).toContain('--port is an option of kabar serve, not of kabar build')
  })

  it('exits 1 with a plain message when the port is taken', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    const stderr = new Capture()
    try {
      const code = await main(['serve', '--port', String(port)], { cwd: site, stdout: new Capture(), stderr })
      expect(code).toBe(1)
      expect(stderr.text).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use`)
    } finally {
      blocker.close()
    }
  })

  it('exits 1 naming the config file when the config is invalid', async () => {
    await writeFile(path.join(site, 'kabar.config.json'), '{ "site": ')
    const stderr = new Capture()
    expect(await main(['serve', '--port', '0'], { cwd: site, stdout: new Capture(), stderr })).toBe(1)
    expect(stderr.text).toMatch(/^kabar\.config\.json: /)
  })
})

describe('kabar serve --pull', () => {
  let origin: string
  let author: string

  beforeEach(async () => {
    // An origin repository, the server's clone of it (the site) and an author's clone.
    origin = path.join(temp, 'origin.git')
    author = path.join(temp, 'author')
    await git('git', ['init', '--bare', '--initial-branch=main', origin])
    await writeSite(author)
    await git('git', ['init', '--initial-branch=main'], { cwd: author })
    await git('git', ['add', '.'], { cwd: author })
    await git('git', ['commit', '-m', 'First post'], { cwd: author, env: GIT_ENV })
    await git('git', ['remote', 'add', 'origin', origin], { cwd: author })
    await git('git', ['push', '-u', 'origin', 'main'], { cwd: author })
    await rm(site, { recursive: true, force: true })
    await git('git', ['clone', origin, site])
    await main(['build', '--quiet'], { cwd: site, stdout: new Capture(), stderr: new Capture(), now: NOW })
  })

  it('pulls the published post before building', async () => {
    await writeFile(path.join(author, 'posts', 'second.md'), postText('Pushed post', '2025-02-01'))
    await git('git', ['add', '.'], { cwd: author })
    await git('git', ['commit', '-m', 'Second post'], { cwd: author, env: GIT_ENV })
    await git('git', ['push'], { cwd: author })

    const serve = await startServe(['--hook-secret-env', 'HOOK_SECRET', '--pull'])
    expect(serve.stdout.text).toContain('git pull --ff-only in posts/ first')
    const job = await hookBuild(serve.url)
    expect(job).toMatchObject({ status: 'done', report: { ok: true } })
    expect((await request(serve.url, '/rss.xml')).body.toString()).toContain('<title>Pushed post</title>')
    expect(await serve.stop()).toBe(0)
  })

  it('reports a failed pull, builds nothing and keeps the old feeds', async () => {
    // The server's checkout has a commit the origin does not: it can no longer fast-forward.
    await writeFile(path.join(site, 'posts', 'local.md'), postText('Local edit', '2025-03-01'))
    await git('git', ['add', '.'], { cwd: site })
    await git('git', ['commit', '-m', 'Edited on the server'], { cwd: site, env: GIT_ENV })
    await writeFile(path.join(author, 'posts', 'second.md'), postText('Pushed post', '2025-02-01'))
    await git('git', ['add', '.'], { cwd: author })
    await git('git', ['commit', '-m', 'Second post'], { cwd: author, env: GIT_ENV })
    await git('git', ['push'], { cwd: author })
    const before = await readFile(path.join(site, 'dist', 'rss.xml'))

    const serve = await startServe(['--hook-secret-env', 'HOOK_SECRET', '--pull'])
    const job = await hookBuild(serve.url)
    expect(job).toMatchObject({
      status: 'failed',
      report: { ok: false, written: [], errors: [{ code: 'GIT_PULL_FAILED', file: 'posts' }] },
    })
    expect((await readFile(path.join(site, 'dist', 'rss.xml'))).equals(before)).toBe(true)
    expect(serve.stderr.text).toContain('git pull --ff-only failed, so nothing was built')
    expect(await serve.stop()).toBe(0)
  })
})
