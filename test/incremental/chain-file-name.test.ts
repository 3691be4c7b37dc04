import { describe, expect, it } from 'vitest';
import { chainFileName, chainTimestamp, indexFromFileName, isChainFileName } from '../../src/incremental/chain-file-name.js';

describe('chain file names (INCR-003)', () => {
  it('formats <dbName>_<yyyy-MM-dd-HH-mm-ss>_<index>[_full].ibu in UTC', () => {
    const moment = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    expect(chainTimestamp(moment)).toBe('2024-01-02-03-04-05');
    expect(chainFileName('mydb', moment, 0)).toBe('mydb_2024-01-02-03-04-05_0_full.ibu');
    expect(chainFileName('mydb', moment, 1)).toBe('mydb_2024-01-02-03-04-05_1.ibu');
    expect(chainFileName('my_db', moment, 1234)).toBe('my_db_2024-01-02-03-04-05_1234.ibu');
  });

  it('uses UTC whatever the local time zone says (the late evening of Dec 31st stays in its UTC day)', () => {
    const moment = new Date(Date.UTC(1999, 11, 31, 23, 59, 59));
    expect(chainTimestamp(moment)).toBe('1999-12-31-23-59-59');
  });

  it('writes the year with four digits', () => {
    const moment = new Date(Date.UTC(2000, 0, 1));
    moment.setUTCFullYear(999);
    expect(chainTimestamp(moment)).toBe('0999-01-01-00-00-00');
  });

  it('tells chain files by their extension only', () => {
    expect(isChainFileName('a_2024-01-01-00-00-00_0_full.ibu')).toBe(true);
    expect(isChainFileName('anything.ibu')).toBe(true);
    expect(isChainFileName('x.ibu.tmp')).toBe(false);
    expect(isChainFileName('.x.ibu.1a2b.tmp')).toBe(false);
    expect(isChainFileName('notes.txt')).toBe(false);
    expect(isChainFileName('x.IBU')).toBe(false);
  });

  it('reads the index a name announces, as an ordering hint', () => {
    expect(indexFromFileName('db_2024-01-01-00-00-00_0_full.ibu')).toBe(0);
    expect(indexFromFileName('db_2024-01-01-00-00-00_17.ibu')).toBe(17);
    expect(indexFromFileName('renamed.ibu')).toBeUndefined();
    expect(indexFromFileName('db_2024-01-01-00-00-00_3.ibu.bak')).toBeUndefined();
    expect(indexFromFileName('db_2024-01-01-00-00-00_x_full.ibu')).toBeUndefined();
  });
});
