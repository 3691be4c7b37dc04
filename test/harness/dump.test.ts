import { describe, expect, it } from 'vitest';
import { canonicalDump, canonicalJson } from '../../conformance/dump.js';

describe('canonical dump', () => {
  it('writes JSON without whitespace, keys sorted by code unit at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 'é\n' }], c: null }, B: true, é: 0, Z: undefined })).toBe(
      '{"B":true,"a":{"c":null,"d":[3,{"y":"é\\n","z":1}]},"b":1,"é":0}',
    );
  });

  it('sorts classes by name, records by cluster id then position, users by name', () => {
    const dump = canonicalDump({
      classes: [
        { name: 'b', records: [{ rid: '#12:10', version: 2, content: { y: 1, x: 2 } }, { rid: '#12:9', version: 1, content: {} }, { rid: '#3:100', version: 1, content: {} }] },
        { name: 'B', records: [] },
      ],
      users: [{ name: 'reader', role: 'reader' }, { name: 'admin', role: 'admin' }],
    });
    expect(dump).toBe(
      '{"classes":[{"name":"B","records":[]},{"name":"b","records":[{"content":{},"rid":"#3:100","version":1},{"content":{},"rid":"#12:9","version":1},{"content":{"x":2,"y":1},"rid":"#12:10","version":2}]}],' +
        '"format":"orientdb-backup-conformance/dump@1","users":[{"name":"admin","role":"admin"},{"name":"reader","role":"reader"}]}',
    );
  });
});

describe('spec/adapter.md', () => {
  it('shows a dump example that is canonical', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL('../../spec/adapter.md', import.meta.url), 'utf8');
    const example = /## The canonical dump[\s\S]*?```json\n(.+)\n```/.exec(text)?.[1];
    expect(example).toBeDefined();
    expect(canonicalJson(JSON.parse(example ?? ''))).toBe(example);
  });
});
