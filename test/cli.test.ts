import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { useCoreFeedsOnly } from './helpers/temp-site.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const NOW = new Date('2026-01-01T00:00:00Z')

class Capture extends Writable {
  text = ''
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

let site: string

/** A temp copy of the sample site, so each test starts from the same posts. */
beforeEach(async () => {
  site = await mkdtemp(path.join(os.tmpdir(), 'kabar-cli-'))
  for (const entry of ['posts', 'public', 'kabar.config.json']) {
    await cp(path.join(ROOT, entry), path.join(site, entry), { recursive: true })
  }
  await useCoreFeedsOnly(site)
})
afterEach(async () => {
  await rm(site, { recursive: true, force: true })
})

async function run(...argv: string[]) {
  const stdout = new Capture()
  const stderr = new Capture()
  const code = await main(argv, { cwd: site, stdout, stderr, env: {}, now: NOW })
  return { code, stdout: stdout.text, stderr: stderr.text }
}

async function snapshotDist(): Promise<Map<string, { bytes: Buffer; mtimeMs: number }>> {
  const files = new Map<string, { bytes: Buffer; mtimeMs: number }>()
  for (const name of await readdir(path.join(site, 'dist'))) {
    const file = path.join(site, 'dist', name)
    files.set(name, { bytes: await readFile(file), mtimeMs: (await stat(file)).mtimeMs })
  }
  return files
}

describe('kabar build', () => {
  it('writes the three feeds and exits 0', async () => {
    const result = await run('build')
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(
      /^kabar: 5 posts \(1 draft skipped\), 5 per feed; wrote rss\.xml atom\.xml feed\.json in dist\//,
    )
    expect((await readdir(path.join(site, 'dist'))).sort()).toEqual(['atom.xml', 'feed.json', 'rss.xml'])
  })

  it('gives byte-identical feeds on a second run and does not rewrite them', async () => {
    await run('build')
    const first = await snapshotDist()
    await new Promise((resolve) => setTimeout(resolve, 20))
    const second = await run('build')
    expect(second.stdout).toContain('rss.xml atom.xml feed.json unchanged')
    const after = await snapshotDist()
    for (const [name, file] of first) {
      expect(after.get(name)?.bytes.equals(file.bytes)).toBe(true)
      expect(after.get(name)?.mtimeMs).toBe(file.mtimeMs)
    }
  })

  it('leaves dist/ byte-identical and exits 1 with file:line when a post breaks', async () => {
    await run('build')
    const before = await snapshotDist()
    await writeFile(path.join(site, 'posts', 'broken.md'), '---\ntitle: Broken\ndate: 2025-02-30\n---\nBody.\n')
    const result = await run('build')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      'posts/broken.md:3: date "2025-02-30" is not a real date — write it as YYYY-MM-DD or "YYYY-MM-DD HH:MM"',
    )
    expect(result.stderr).toContain('nothing was written, the feeds in dist/ are as they were')
    expect(result.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/)
    const after = await snapshotDist()
    for (const [name, file] of before) {
      expect(after.get(name)?.bytes.equals(file.bytes)).toBe(true)
      expect(after.get(name)?.mtimeMs).toBe(file.mtimeMs)
    }
  })

  it('rejects ---js frontmatter without running it', async () => {
    const marker = path.join(site, 'ran.txt')
    await writeFile(
      path.join(site, 'posts', 'evil.md'),
      `---js\n{ title: (require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'), 'Evil'), date: '2025-01-01' }\n---\nBody.\n`,
    )
    const result = await run('build')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('posts/evil.md:1: frontmatter "---js" is not allowed')
    expect(existsSync(marker)).toBe(false)
  })

  it('prints a machine-readable report with --json', async () => {
    const result = await run('build', '--json', '--future')
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout)
    expect(report).toMatchObject({
      ok: true,
      configFile: 'kabar.config.json',
      outDir: 'dist',
      posts: { found: 6, published: 5, shown: 5, drafts: 1, future: 0 },
      feeds: { 'rss.xml': 5, 'atom.xml': 5, 'feed.json': 5 },
      written: ['rss.xml', 'atom.xml', 'feed.json'],
      unchanged: [],
      errors: [],
      warnings: [],
    })
  })

  it('reports the next future-dated post in --json so a hook can schedule a rebuild', async () => {
    await writeFile(path.join(site, 'posts', 'later.md'), '---\ntitle: Later\ndate: 2026-03-01 08:00\n---\nSoon.\n')
    const result = await run('build', '--json')
    const report = JSON.parse(result.stdout)
    expect(report.posts.future).toBe(1)
    expect(report.nextFutureDate).toBe('2026-03-01T01:00:00.000Z')
  })

  it('honours --limit, --drafts, --posts and --out', async () => {
    const result = await run('build', '--limit', '2', '--drafts', '--out', 'public/feeds', '--json')
    expect(result.code).toBe(0)
    const json = JSON.parse(await readFile(path.join(site, 'public/feeds/feed.json'), 'utf8'))
    expect(json.items.map((item: { title: string }) => item.title)).toEqual([
      'Penyedia Cloud Berlomba Bangun Pusat Data di Asia Tenggara',
      'Nilai Pasar Alibaba Melonjak, Jack Ma Kembali Tampil di Publik',
    ])
    const empty = await run('build', '--posts', 'public')
    expect(empty.code).toBe(1)
    expect(empty.stderr).toContain('public: there are no Markdown posts (*.md) in this folder')
  })

  it('makes warnings errors with --strict', async () => {
    await writeFile(
      path.join(site, 'posts', 'script.md'),
      '---\ntitle: Script\ndate: 2025-01-01\n---\n<script>x()</script>\n\nText.\n',
    )
    expect((await run('build')).code).toBe(0)
    const strict = await run('build', '--strict')
    expect(strict.code).toBe(1)
    expect(strict.stderr).toContain('posts/script.md:5: raw HTML that is unsafe in feed readers was removed: <script>')
  })

  it('removes temp files a killed run left behind', async () => {
    await run('build')
    const stale = path.join(site, 'dist', '.kabar-rss.xml-99999-deadbeef.tmp')
    await writeFile(stale, '<rss')
    await run('build')
    expect(existsSync(stale)).toBe(false)
  })

  it('exits 1 with a clear message when there is no config', async () => {
    await rm(path.join(site, 'kabar.config.json'))
    const result = await run('build')
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^kabar: no kabar\.config\.mjs or kabar\.config\.json in /)
  })

  it('loads a kabar.config.mjs that imports nothing from kabar', async () => {
    const json = await readFile(path.join(site, 'kabar.config.json'), 'utf8')
    await rm(path.join(site, 'kabar.config.json'))
    await writeFile(
      path.join(site, 'kabar.config.mjs'),
      `/** @type {import('kabar').UserConfig} */\nexport default ${json}`,
    )
    expect((await run('build')).code).toBe(0)
  })
})

describe('kabar check', () => {
  it('reports without writing anything', async () => {
    const result = await run('check')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('kabar check: 5 posts (1 draft skipped), 5 per feed; nothing written.')
    expect(existsSync(path.join(site, 'dist'))).toBe(false)
  })
})

describe('usage', () => {
  it('exits 2 on an unknown option or command', async () => {
    const option = await run('build', '--nope')
    expect(option.code).toBe(2)
    expect(option.stderr).toContain("Unknown option '--nope'")
    expect((await run('publish')).code).toBe(2)
    expect((await run('build', '--limit', 'many')).code).toBe(2)
  })

  it('prints help and the version', async () => {
    expect((await run('--help')).stdout).toContain('Usage: kabar <command> [options]')
    const packageJson = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'))
    expect((await run('--version')).stdout).toBe(`${packageJson.version}\n`)
  })
})

describe('the installed binary', () => {
  it('runs from bin/kabar.js in a folder with no package.json', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'bin/kabar.js'), 'build', '--json'],
      {
        cwd: site,
      },
    )
    expect(JSON.parse(stdout).ok).toBe(true)
    expect((await readdir(path.join(site, 'dist'))).sort()).toEqual(['atom.xml', 'feed.json', 'rss.xml'])
  })
})
