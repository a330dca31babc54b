/**
 * Maps an undici or socket error to the catalogue code the client sees. The message sent to the
 * client is the catalogue's (no upstream address, no stack); the original goes to the logger.
 */
import type { VeloxErrorCode } from '../errors.js'

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
])

export function upstreamErrorCode(err: unknown): VeloxErrorCode {
  const code = String((err as { code?: unknown })?.code ?? '')
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'VELOX_ERR_UPSTREAM_CONNECT_TIMEOUT'
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return 'VELOX_ERR_UPSTREAM_HEADERS_TIMEOUT'
  if (code === 'UND_ERR_BODY_TIMEOUT') return 'VELOX_ERR_UPSTREAM_BODY_TIMEOUT'
  if (UNREACHABLE.has(code)) return 'VELOX_ERR_UPSTREAM_UNREACHABLE'
  if (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.includes('CERT') ||
    code.includes('SELF_SIGNED')
  ) {
    return 'VELOX_ERR_UPSTREAM_TLS'
  }
  return 'VELOX_ERR_UPSTREAM_RESET'
}
