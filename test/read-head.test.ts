import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/core/config.js'
import { readPostHead, readPostWhole } from '../src/io/read-head.js'
import { fromTransferredScan, scanFile, toTransferredScan } from '../src/io/scan-file.js'

let folder: string
const body = 'Isi pos. '.repeat(1000)

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'kabar-head-'))
})
afterAll(async () => {
  await rm(folder, { recursive: true, force: true })
})

async function head(name: string, contents: string | Buffer) {
  const file = path.join(folder, name)
  await writeFile(file, contents)
  const read = readPostHead(file, folder, 1024 * 1024)
  if (read.kind !== 'source') throw new Error(`${name}: ${read.problem.message}`)
  return { text: read.source.text, isWhole: read.isWhole, relativePath: read.source.relativePath }
}

describe('readPostHead', () => {
  it('stops after the line that closes the frontmatter', async () => {
    expect(await head('plain.md', `---\ntitle: A\n---\n\n${body}`)).toEqual({
      text: '---\ntitle: A\n---\n',
      isWhole: false,
      relativePath: 'plain.md',
    })
  })

  it('drops a byte order mark and keeps CRLF line ends, as reading a whole post does', async () => {
    const read = await head('crlf.md', `\ufeff---\r\ntitle: A\r\n---\r\n\r\n${body}`)
    expect(read.text).toBe('---\r\ntitle: A\r\n---\r\n')
  })

  it('reads on when the frontmatter is longer than the first bytes', async () => {
    const long = `---\ntitle: A\nsummary: "${'panjang '.repeat(800)}"\n---\n\n${body}${body}`
    const read = await head('long.md', long)
    expect(read.isWhole).toBe(false)
    expect(read.text.endsWith('"\n---\n')).toBe(true)
  })

  it('reads the whole file for anything but plain --- frontmatter', async () => {
    for (const [name, contents] of [
      ['toml.md', `+++\ntitle = "A"\n+++\n\n${body}`],
      ['none.md', `# Judul\n\n${body}`],
      ['blank-first.md', `\n---\ntitle: A\n---\n\n${body}`],
      ['lone-cr.md', `---\rtitle: A\n---\n\n${body}`],
      ['control.md', `---\ntitle: A\u0001\n---\n\n${body}`],
      ['closed-oddly.md', `---\ntitle: A\n---x\n\n${body}`],
    ]) {
      expect((await head(name as string, contents as string)).isWhole, name).toBe(true)
    }
  })

  it('reads a small file whole', async () => {
    expect(await head('small.md', '---\ntitle: A\n---\n\nPendek.\n')).toEqual({
      text: '---\ntitle: A\n---\n\nPendek.\n',
      isWhole: true,
      relativePath: 'small.md',
    })
  })

  it('gives the problems reading every post gives', async () => {
    const file = path.join(folder, 'latin1.md')
    await writeFile(file, Buffer.concat([Buffer.from(`---\ntitle: A\n---\n\n${body}\n`), Buffer.from([0xe9, 0x0a])]))
    const read = readPostWhole(file, folder, 1024 * 1024)
    expect(read.kind === 'problem' && [read.problem.code, read.problem.line]).toEqual(['POST_NOT_UTF8', 6])
    const tooLarge = readPostHead(file, folder, 100)
    expect(tooLarge.kind === 'problem' && tooLarge.problem.code).toBe('POST_TOO_LARGE')
    const missing = readPostHead(path.join(folder, 'gone.md'), folder, 100)
    expect(missing.kind === 'problem' && [missing.problem.code, missing.problem.severity]).toEqual([
      'POST_UNREADABLE',
      'warning',
    ])
  })
})

describe('scanFile', () => {
  const settings = () => ({
    config: resolveConfig(
      { site: { title: 'X', url: 'https://x.example/' }, posts: folder },
      { configPath: '/k.json' },
    ),
    now: new Date('2026-01-01T00:00:00Z'),
    mayNeedDates: false,
  })

  // A small post is read whole even when only its head is asked for. Its body is not kept: a post
  // no feed shows needs none, and at 100,000 posts the small ones' bodies were 60 MB of the peak.
  it('lets go of the body of a small file when only its head was asked for, and says so', async () => {
    const file = path.join(folder, 'kecil.md')
    await writeFile(file, '---\ntitle: Kecil\ndate: 2025-02-25\n---\n\nIsi yang pendek.\n')
    for (const [extent, body, hasBody] of [
      ['head', '', false],
      ['whole', 'Isi yang pendek.\n', true],
    ] as const) {
      const scanned = scanFile(file, extent, settings())
      const sent = fromTransferredScan(structuredClone(toTransferredScan(scanned)), file)
      for (const { read, result } of [scanned, sent]) {
        expect(read.kind === 'source' && [read.isWhole, read.hasBody], extent).toEqual([true, hasBody])
        expect(result?.post?.body?.trim(), extent).toBe(body.trim())
        expect(result?.post?.title, extent).toBe('Kecil')
      }
    }
  })

  it('keeps no body for a head, and says it has none', async () => {
    const file = path.join(folder, 'besar.md')
    await writeFile(file, `---\ntitle: Besar\ndate: 2025-02-25\n---\n\n${body}`)
    const { read, result } = scanFile(file, 'head', settings())
    expect(read.kind === 'source' && [read.isWhole, read.hasBody]).toEqual([false, false])
    expect(result?.post?.body).toBe('')
  })
})
