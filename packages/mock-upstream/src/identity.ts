import { createHash } from 'node:crypto'

/** `created` values fall in [CREATED_EPOCH, CREATED_EPOCH + CREATED_SPAN): late 2023, like real ids. */
const CREATED_EPOCH = 1_700_000_000 // s, 2023-11-14
const CREATED_SPAN = 1_000_000 // s, about 11.6 days

/** The deterministic identity of a request: same path and body bytes, same ids and timestamp. */
export interface RequestIdentity {
  /** 64 hex digits of SHA-256(path, body); ids are slices of it. */
  readonly hex: string
  /** Unix seconds used for `created` / `created_at`. */
  readonly created: number
  /** Value of the `x-request-id` response header. */
  readonly requestId: string
}

/** Derives ids from the request so replies are reproducible byte for byte across runs. */
export function identify(path: string, body: Buffer): RequestIdentity {
  const hash = createHash('sha256').update(path).update('\n').update(body).digest()
  const hex = hash.toString('hex')
  return {
    hex,
    created: CREATED_EPOCH + (hash.readUInt32BE(0) % CREATED_SPAN),
    requestId: `req_${hex.slice(0, 32)}`,
  }
}

/** A `system_fingerprint` per model, in the real `fp_` + 10 hex digits shape. */
export function systemFingerprint(model: string): string {
  return `fp_${createHash('sha256').update(model).digest('hex').slice(0, 10)}`
}
