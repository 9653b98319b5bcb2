import { describe, expect, it } from 'vitest';
import { hub } from '../../helpers/client.js';

describe('runtime files', () => {
  it('serves the script-tag build at /runtime.js with CORS and a cross-origin resource policy', async () => {
    const res = await fetch(`${hub.url}/runtime.js`, { headers: { Origin: 'https://shop.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(await res.text()).toContain('Outpost');
  });

  it('serves the build stamp under /runtime/ and answers 304 to its ETag', async () => {
    const res = await fetch(`${hub.url}/runtime/build.json`);
    expect(res.status).toBe(200);
    expect((await res.json()).build).toMatch(/^[0-9a-f]{16}$/);
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await fetch(`${hub.url}/runtime/build.json`, { headers: { 'If-None-Match': etag! } })).status).toBe(304);
  });

  it('says how to get a runtime file it does not have, instead of answering with the console', async () => {
    const res = await fetch(`${hub.url}/runtime/no-such-file.js`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).not.toMatch(/html/);
  });
});
