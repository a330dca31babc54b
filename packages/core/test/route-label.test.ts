import { describe, expect, it } from 'vitest'
import { routeLabel } from '../src/telemetry/route-label.js'

describe('routeLabel', () => {
  it.each([
    ['', '/'],
    ['/', '/'],
    ['/chat/completions', '/chat/completions'],
    ['/responses', '/responses'],
    ['/responses/resp_123', '/responses/:id'],
    ['/responses/resp_123/input_items', '/responses/:id/input_items'],
    ['/files/file-abc/content', '/files/:id/content'],
    ['/fine_tuning/jobs/ftjob-1/events', '/fine_tuning/jobs/:id/events'],
    ['/audio/speech', '/audio/speech'],
    ['/messages/count_tokens', '/messages/count_tokens'],
    ['/models/ft:gpt-4o:org:custom:id', '/models/:id'],
    ['/models/', 'other'],
    ['/wp-login.php', 'other'],
    ['/chat/completions/a/b/c/d/e', 'other'],
    ['chat/completions', 'other'],
  ])('%j -> %j', (path, label) => {
    expect(routeLabel(path)).toBe(label)
  })
})
