import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPostHead, readPostWhole } from '../src/io/read-head.js'

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
