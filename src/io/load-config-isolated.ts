import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { type ResolvedConfig, resolveConfig } from '../core/config.js'
import { KabarError } from '../errors.js'
import { findConfigFile, loadRawConfig, moduleLoadError } from './load-config.js'

/** How long a JavaScript config may take to load before we give up on it, in ms. */
const MODULE_LOAD_TIMEOUT_MS = 10_000

/**
 * Runs in the worker. CommonJS, because an `eval` worker is a script; it
 * imports the config and posts back its default export. A value that cannot
 * be cloned (a function) fails `postMessage`, and that failure is posted too.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const fail = (error) => parentPort.postMessage({ ok: false, message: String((error && error.message) || error) })
import(workerData).then((module) => {
  try {
    parentPort.postMessage({ ok: true, value: module.default })
  } catch (error) {
    fail(new Error('its default export is not plain data (' + error.message + ')'))
  }
}, fail)
`

type WorkerReply = { ok: true; value: unknown } | { ok: false; message: string }

/**
 * Finds, reads and validates the config so that it can be read again after
 * every edit without using more memory each time. ES modules cannot be
 * unloaded, and importing a changed file again means a new URL and a new
 * module kept forever, so JavaScript configs are imported in a short-lived
 * worker thread (about 30 ms) whose memory goes when it ends. JSON is read
 * in-process: it leaves nothing behind.
 */
export async function loadConfigIsolated(cwd: string, explicitPath?: string): Promise<ResolvedConfig> {
  const configPath = findConfigFile(cwd, explicitPath)
  const raw = configPath.endsWith('.json') ? await loadRawConfig(configPath) : await importInWorker(configPath)
  return resolveConfig(raw, { configPath })
}

async function importInWorker(configPath: string): Promise<unknown> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: pathToFileURL(configPath).href })
  try {
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(moduleLoadError(configPath, `it did not finish loading in ${MODULE_LOAD_TIMEOUT_MS / 1000} s`)),
        MODULE_LOAD_TIMEOUT_MS,
      )
      const settle = (action: () => void) => {
        clearTimeout(timer)
        action()
      }
      worker.once('message', (message: WorkerReply) => settle(() => resolve(message)))
      worker.once('error', (error) => settle(() => reject(moduleLoadError(configPath, error.message))))
      worker.once('exit', (code) =>
        settle(() => reject(moduleLoadError(configPath, `it ended the process (exit code ${code}) while loading`))),
      )
    })
    if (!reply.ok) throw moduleLoadError(configPath, reply.message)
    return reply.value
  } catch (error) {
    if (error instanceof KabarError) throw error
    throw moduleLoadError(configPath, (error as Error).message)
  } finally {
    await worker.terminate()
  }
}
