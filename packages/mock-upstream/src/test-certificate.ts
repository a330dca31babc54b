import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Generates a throwaway self-signed certificate for localhost and 127.0.0.1 with the system `openssl`,
 * so no private key is ever committed. Valid for 2 days; takes about 100 ms.
 *
 * @example
 * const mock = await createMockUpstream({ tls: createTestCertificate() })
 */
export function createTestCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'velox-cert-'))
  try {
    const key = join(dir, 'key.pem')
    const cert = join(dir, 'cert.pem')
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    )
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
