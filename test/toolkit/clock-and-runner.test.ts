import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { CancelledError, cancellationOnSignals, formatDuration, jitter, memoryLogger, sleep, virtualClock } from '@allthrive/toolkit';

describe('cancellable sleep and clocks', () => {
  it('sleep rejects with CancelledError as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = sleep(60_000, controller.signal);
    setTimeout(() => controller.abort(new CancelledError('the run was cancelled (SIGINT)')), 20);
    await expect(pending).rejects.toThrow('the run was cancelled (SIGINT)');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('sleep rejects at once when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(sleep(10, controller.signal)).rejects.toBeInstanceOf(CancelledError);
  });

  it('virtualClock advances time without waiting and records the sleeps', async () => {
    const clock = virtualClock(1000);
    await clock.sleep(15 * 60_000);
    await clock.sleep(10_000);
    expect(clock.now()).toBe(1000 + 15 * 60_000 + 10_000);
    expect(clock.sleeps).toEqual([900_000, 10_000]);
  });

  it('jitter stays within ±10%', () => {
    expect(jitter(10_000, 0.1, () => 0)).toBe(9_000);
    expect(jitter(10_000, 0.1, () => 1)).toBe(11_000);
    expect(jitter(10_000, 0.1, () => 0.5)).toBe(10_000);
  });

  it('formats durations for people', () => {
    expect(formatDuration(450)).toBe('450ms');
    expect(formatDuration(65_000)).toBe('1m5s');
    expect(formatDuration(5_400_000)).toBe('1h30m');
  });
});

describe('cancellationOnSignals', () => {
  it('aborts on SIGINT or SIGTERM and removes its handlers on dispose', () => {
    const fakeProcess = new EventEmitter() as unknown as NodeJS.Process;
    const seen: string[] = [];
    const cancellation = cancellationOnSignals((name) => seen.push(name), fakeProcess);
    expect(cancellation.signal.aborted).toBe(false);
    fakeProcess.emit('SIGINT', 'SIGINT');
    fakeProcess.emit('SIGTERM', 'SIGTERM');
    expect(seen).toEqual(['SIGINT', 'SIGTERM']);
    expect(cancellation.signal.aborted).toBe(true);
    expect((cancellation.signal.reason as Error).message).toBe('the run was cancelled (SIGINT)');
    cancellation.dispose();
    expect((fakeProcess as unknown as EventEmitter).listenerCount('SIGINT')).toBe(0);
  });
});

describe('memoryLogger', () => {
  it('keeps what a person would read, by level', async () => {
    const logger = memoryLogger();
    logger.info('one');
    logger.debug('hidden');
    await logger.group('group', async () => logger.warning('two'));
    logger.secret('s3cr3t');
    expect(logger.text()).toBe('one\ngroup\ntwo');
    expect(logger.secrets).toEqual(['s3cr3t']);
  });
});
