import { stat } from 'node:fs/promises'

/** Whether a path existed before its first event in the batch (`change`, `unlink`) or not (`add`). */
export type PriorState = 'existed' | 'new'

/** One path with events since the last rebuild started. */
export interface PendingChange {
  prior: PriorState
  /** `performance.now()` of its latest event. */
  lastEventAt: number
}

/** What changed on disk since the last rebuild: absolute paths, sorted. */
export interface ChangeBatch {
  added: string[]
  changed: string[]
  removed: string[]
}

/** Identifies one version of a file (inode, size, mtime in ns); `undefined` when there is no file. */
export type Signature = string | undefined

export function isEmptyBatch(batch: ChangeBatch): boolean {
  return batch.added.length + batch.changed.length + batch.removed.length === 0
}

/**
 * Turns the paths that had events into what is on disk now. Events describe
 * moments that have passed: an editor's atomic save is an unlink and an add
 * of the same path, a rename is an unlink and an add of two, and a temp file
 * may come and go before the rebuild starts. So each path is looked up once
 * more, and only its state before the first event and now count.
 *
 * `hasEmptyPost` says a post is empty right now, which usually means an
 * editor truncated it and has not written it yet. `signatures` are the
 * versions seen, to tell later whether a file changed again.
 */
export async function reconcileChanges(
  entries: ReadonlyArray<readonly [filePath: string, change: PendingChange]>,
  isPost: (filePath: string) => boolean,
): Promise<{ batch: ChangeBatch; hasEmptyPost: boolean; signatures: Map<string, Signature> }> {
  const batch: ChangeBatch = { added: [], changed: [], removed: [] }
  const signatures = new Map<string, Signature>()
  let hasEmptyPost = false
  await Promise.all(
    entries.map(async ([filePath, { prior }]) => {
      const { signature, isEmpty } = await readVersion(filePath)
      signatures.set(filePath, signature)
      if (signature === undefined) {
        if (prior === 'existed') batch.removed.push(filePath)
        return
      }
      if (isEmpty && isPost(filePath)) hasEmptyPost = true
      ;(prior === 'existed' ? batch.changed : batch.added).push(filePath)
    }),
  )
  for (const list of [batch.added, batch.changed, batch.removed]) list.sort(compareText)
  return { batch, hasEmptyPost, signatures }
}

/** The paths whose file is no longer the version in `signatures`. */
export async function findChangedSince(signatures: ReadonlyMap<string, Signature>): Promise<string[]> {
  const changed = await Promise.all(
    [...signatures].map(async ([filePath, signature]) =>
      (await readVersion(filePath)).signature === signature ? undefined : filePath,
    ),
  )
  return changed.filter((filePath) => filePath !== undefined)
}

async function readVersion(filePath: string): Promise<{ signature: Signature; isEmpty: boolean }> {
  const stats = await stat(filePath, { bigint: true }).catch(() => undefined)
  if (stats === undefined || !stats.isFile()) return { signature: undefined, isEmpty: false }
  return { signature: `${stats.ino}:${stats.size}:${stats.mtimeNs}`, isEmpty: stats.size === 0n }
}

/** Code-point order: the same on every machine, whatever its locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
