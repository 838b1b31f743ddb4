import { startStallMeter } from '../harness/observe/stall-meter';

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stall meter', () => {
  test('a blocked event loop reads as a stall, while it lasts and for the window after', async () => {
    const m = startStallMeter({ tickMs: 20, windowMs: 1000 });
    try {
      await tick(100);
      busy(300);
      // Read inside the stall's aftermath, before the late tick ran: the pending tick counts.
      expect(m.maxLateMs()).toBeGreaterThanOrEqual(250);
      await tick(60);
      expect(m.maxLateMs()).toBeGreaterThanOrEqual(250);
    } finally {
      m.stop();
    }
  });
  test('forgets a stall once it is older than the window', async () => {
    const m = startStallMeter({ tickMs: 20, windowMs: 200 });
    try {
      busy(600);
      expect(m.maxLateMs()).toBeGreaterThanOrEqual(550);
      await tick(800);
      expect(m.maxLateMs()).toBeLessThan(550);
    } finally {
      m.stop();
    }
  });
});
