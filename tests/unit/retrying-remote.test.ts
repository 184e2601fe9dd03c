import { describe, expect, it } from 'vitest';
import { createMemoryRemote, type Remote } from '../../src/main/engine/remote';
import { withRetries } from '../../src/main/engine/remote/retrying-remote';
import { TidemarkError, type TidemarkErrorDetail } from '../../src/shared/errors';

function flaky(inner: Remote, failures: TidemarkErrorDetail[]): Remote & { calls: number } {
  const wrapper = {
    url: inner.url,
    calls: 0,
    async get(key: string) {
      wrapper.calls += 1;
      const failure = failures.shift();
      if (failure) throw new TidemarkError(failure);
      return inner.get(key);
    },
    list: inner.list.bind(inner),
    putIfAbsent: inner.putIfAbsent.bind(inner),
    putIfMatch: inner.putIfMatch.bind(inner),
    delete: inner.delete.bind(inner),
  };
  return wrapper;
}

const unreachable: TidemarkErrorDetail = { kind: 'remote-unreachable', remote: 'memory:', hint: 'check the network' };

describe('retrying remote', () => {
  it('retries transient failures with growing, jittered delays, then succeeds', async () => {
    const memory = createMemoryRemote();
    await memory.putIfAbsent('k', Buffer.from('v'));
    const remote = flaky(memory, [unreachable, { kind: 'remote-io', remote: 'memory:', message: '503', hint: '' }]);
    const delays: number[] = [];
    const retrying = withRetries(remote, { baseDelayMs: 100, random: () => 0.5, sleep: async (ms) => void delays.push(ms) });
    const result = await retrying.get('k');
    expect(result.status).toBe('ok');
    expect(remote.calls).toBe(3);
    expect(delays).toEqual([50, 100]); // half of 100, then half of 200
  });

  it('gives up after the last attempt with the original error', async () => {
    const remote = flaky(createMemoryRemote(), [unreachable, unreachable, unreachable]);
    const retrying = withRetries(remote, { attempts: 3, sleep: async () => {} });
    await expect(retrying.get('k')).rejects.toMatchObject({ detail: { kind: 'remote-unreachable' } });
    expect(remote.calls).toBe(3);
  });

  it('fails at once on a permanent error', async () => {
    const remote = flaky(createMemoryRemote(), [{ kind: 'remote-auth', remote: 'memory:', hint: 'fix the keys' }]);
    const retrying = withRetries(remote, { sleep: async () => {} });
    await expect(retrying.get('k')).rejects.toMatchObject({ detail: { kind: 'remote-auth' } });
    expect(remote.calls).toBe(1);
  });

  it('caps the delay', async () => {
    const remote = flaky(createMemoryRemote(), [unreachable, unreachable, unreachable, unreachable, unreachable]);
    const delays: number[] = [];
    const retrying = withRetries(remote, { attempts: 6, baseDelayMs: 1000, maxDelayMs: 3000, random: () => 0.999, sleep: async (ms) => void delays.push(ms) });
    await retrying.get('k');
    expect(Math.max(...delays)).toBeLessThanOrEqual(3000);
    expect(delays[0]).toBeLessThan(delays[2]!);
  });
});
