/**
 * Request bodies for the benchmarks: OpenAI chat requests of a given size and message count, with
 * the fields the gateway reads either before the messages (as SDKs write them) or after.
 */

const PHRASE = 'lorem ipsum "dolor" sit amet, \\ consectetur 😀 '

/**
 * A chat request of about `targetBytes` bytes with `messages` messages. The text carries quotes,
 * backslashes and non-ASCII characters, so every scanner meets escapes and multi-byte UTF-8.
 */
export function chatBody(targetBytes: number, messages: number, keysLast = false): Buffer {
  const per = Math.max(1, Math.floor(targetBytes / messages) - 40)
  const list = Array.from({ length: messages }, (_, i) => ({
    role: i % 2 ? 'assistant' : 'user',
    content: `Message ${i}: ${PHRASE.repeat(Math.ceil(per / PHRASE.length)).slice(0, per)}`,
  }))
  const keys = { model: 'gpt-4o-mini', stream: true, max_tokens: 256 }
  const body = keysLast ? { messages: list, ...keys } : { ...keys, messages: list }
  return Buffer.from(JSON.stringify(body))
}

/**
 * Source code as it is pasted into a chat: once written as JSON, an escape (\n, \t, \", \\) about
 * every 8 bytes, newlines being the commonest. The escape-dense case: a scanner that jumps from one
 * quote or backslash to the next walks it escape by escape, and \n is not a quote or backslash.
 */
const CODE = [
  'function greet(name) {',
  '\tconsole.log("Hello, " + name)',
  '\treturn name.split("\\n").length',
  '}',
  '',
].join('\n')

/** A chat request of about `targetBytes` bytes whose messages are pasted source code (see CODE). */
export function codeBody(targetBytes: number, messages: number, keysLast = false): Buffer {
  const per = Math.max(1, Math.floor(targetBytes / messages) - 40)
  const list = Array.from({ length: messages }, (_, i) => ({
    role: i % 2 ? 'assistant' : 'user',
    content: `Fix this:\n${CODE.repeat(Math.ceil(per / CODE.length)).slice(0, per)}`,
  }))
  const keys = { model: 'gpt-4o-mini', stream: true, max_tokens: 256 }
  const body = keysLast ? { messages: list, ...keys } : { ...keys, messages: list }
  return Buffer.from(JSON.stringify(body))
}

/** `body` cut into `parts` chunks of (nearly) equal size, as a socket would deliver it. */
export function chunksOf(body: Buffer, parts: number): Buffer[] {
  const size = Math.ceil(body.length / parts)
  const chunks: Buffer[] = []
  for (let at = 0; at < body.length; at += size) chunks.push(Buffer.from(body.subarray(at, at + size)))
  return chunks
}

/** "4 KB", "1 MB": the size labels of the Rust Velox gateway's tables. */
export function sizeLabel(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${bytes / (1024 * 1024)} MB`
  if (bytes >= 1024) return `${bytes / 1024} KB`
  return `${bytes} B`
}
