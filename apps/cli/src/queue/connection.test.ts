import { describe, expect, it } from 'vitest';
import { UsageError } from '../args';
import { parseRedisUrl, redact } from './connection';
import { jobId, runName } from './job';

describe('parseRedisUrl', () => {
  it('reads host, port, database, credentials and TLS', () => {
    expect(parseRedisUrl('redis://localhost')).toMatchObject({ host: 'localhost', port: 6379, db: 0, tls: false });
    expect(parseRedisUrl('rediss://al%40ice:p%3Ass@10.0.0.2:6380/3')).toMatchObject({ host: '10.0.0.2', port: 6380, db: 3, username: 'al@ice', password: 'p:ss', tls: true, safe: 'rediss://***@10.0.0.2:6380/3' });
    expect(parseRedisUrl('redis://:pw@[::1]:7000')).toMatchObject({ host: '::1', port: 7000, password: 'pw' });
  });

  it('refuses other schemes, query strings and bad databases in one line without the password', () => {
    for (const bad of ['http://u:hunter2@host:1', 'redis://u:hunter2@host:1/x', 'redis://u:hunter2@host:1?tls=1', 'not a url hunter2', 'redis://u:hunter2@host:1/123']) {
      let err: unknown;
      try {
        parseRedisUrl(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(UsageError);
      const msg = (err as Error).message;
      expect(msg).not.toContain('\n');
      if (bad.includes('://')) expect(msg).not.toContain('hunter2');
    }
  });

  it('redacts every redis URL in a text', () => {
    expect(redact('fbl reproduce --queue redis://u:pw@h:1 and rediss://x@y')).toBe('fbl reproduce --queue redis://***@h:1 and rediss://***@y');
    expect(redact('redis://h:1/0')).toBe('redis://h:1/0');
  });
});

describe('job names', () => {
  it('puts --out inside --store as a run of plain names', () => {
    expect(runName('/srv/store', '/srv/store/sweeps/dfa-lr')).toBe('sweeps/dfa-lr');
    expect(() => runName('/srv/store', '/srv/other')).toThrow(/must be inside --store/);
    expect(() => runName('/srv/store', '/srv/store')).toThrow(/must be inside --store/);
    expect(() => runName('/srv/store', '/srv/store/has space')).toThrow(/must be up to 8 names/);
  });

  it('gives one job id per run, cell and epoch count, without ":"', () => {
    expect(jobId('sweeps/a', 'mnist-fc-bp-s1', 2)).toBe('sweeps~a~mnist-fc-bp-s1~e2');
    expect(jobId('a', 'c', 1)).not.toBe(jobId('a', 'c', 2));
  });
});
