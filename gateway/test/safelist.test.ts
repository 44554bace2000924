import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../kernel/log.ts';
import { Safelist } from '../src/safelist.ts';

const manifest = (ids: string[]) =>
  JSON.stringify({
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: ids.map((id) => ({ id, name: `Op${id}`, type: 'query', body: `query Op${id} { __typename }` })),
  });

const settle = () => new Promise((r) => setTimeout(r, 400));

describe('the persisted query manifest at the gateway', () => {
  test('a changed manifest is picked up without a restart, and a broken one keeps the last good list', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'atrium-manifest-')), 'persisted-queries.json');
    await writeFile(path, manifest(['a1']));
    const safelist = new Safelist(path, createLogger({ service: 'test', level: 'silent' }), 100);
    try {
      expect(safelist.get('a1')?.name).toBe('Opa1');
      expect(safelist.get('b2')).toBeUndefined();
      await settle();
      await writeFile(path, manifest(['a1', 'b2']));
      await settle();
      expect(safelist.get('b2')?.name).toBe('Opb2');
      await writeFile(path, '{ not json');
      await settle();
      expect(safelist.get('b2')?.name).toBe('Opb2');
    } finally {
      safelist.close();
    }
  });
});
