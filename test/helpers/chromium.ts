import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'

/** The Chromium binary on PATH (Debian's `chromium` package), or `undefined`. */
export function findChromium(): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = path.join(directory, name)
      if (directory !== '' && existsSync(candidate)) return candidate
    }
  }
  return undefined
}

/**
 * Opens a local HTML file in headless Chromium and evaluates each
 * expression in the loaded page, over the DevTools protocol on a pipe
 * (`--remote-debugging-pipe`: no port, no network). `document.body.innerText`
 * is the text as rendered: CSS applied, hidden elements left out.
 */
export async function evaluateInPage(
  chromium: string,
  file: string,
  expressions: Record<string, string>,
): Promise<Record<string, unknown>> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'kabar-chromium-'))
  const child = spawn(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      '--remote-debugging-pipe',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  )
  const devtools = new DevTools(child)
  try {
    const url = pathToFileURL(file).href
    const { targetId } = (await devtools.send('Target.createTarget', { url })) as { targetId: string }
    const { sessionId } = (await devtools.send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string
    }
    const evaluate = async (expression: string) => {
      const answer = (await devtools.send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)) as {
        result: { value?: unknown }
        exceptionDetails?: { text: string }
      }
      if (answer.exceptionDetails !== undefined) throw new Error(`${expression}: ${answer.exceptionDetails.text}`)
      return answer.result.value
    }
    const deadline = Date.now() + 20_000
    while ((await evaluate(`location.href === ${JSON.stringify(url)} && document.readyState`)) !== 'complete') {
      if (Date.now() > deadline) throw new Error(`${url} did not load in 20 s`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const results: Record<string, unknown> = {}
    for (const [name, expression] of Object.entries(expressions)) results[name] = await evaluate(expression)
    await devtools.send('Browser.close').catch(() => undefined)
    return results
  } finally {
    child.kill()
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)))
    await rm(profile, { recursive: true, force: true })
  }
}

/** Chrome DevTools protocol messages: JSON, each ended by a NUL byte. */
class DevTools {
  private readonly input: Writable
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  private nextId = 1
  private buffer = ''

  constructor(child: ChildProcess) {
    this.input = child.stdio[3] as Writable
    const output = child.stdio[4] as Readable
    output.on('data', (chunk: Buffer) => this.receive(chunk.toString('utf8')))
    child.once('exit', () => {
      for (const { reject } of this.pending.values()) reject(new Error('chromium exited'))
      this.pending.clear()
    })
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<unknown> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) })}\0`)
    })
  }

  private receive(text: string): void {
    this.buffer += text
    for (let end = this.buffer.indexOf('\0'); end >= 0; end = this.buffer.indexOf('\0')) {
      const message = JSON.parse(this.buffer.slice(0, end)) as {
        id?: number
        result?: unknown
        error?: { message: string }
      }
      this.buffer = this.buffer.slice(end + 1)
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id)
      if (waiting === undefined || message.id === undefined) continue
      this.pending.delete(message.id)
      if (message.error !== undefined) waiting.reject(new Error(message.error.message))
      else waiting.resolve(message.result)
    }
  }
}
