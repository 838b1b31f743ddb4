// A chaos test body works against a real cluster (1,000 inserts, a replica catching up):
// Jest's 5 s default times out on a slower machine and leaves that work running into the next
// test. (testTimeout is a global option, so the chaos project sets its own here.) Every wait
// inside a test is bounded by its own readiness timeout, which names what it waited for.
jest.setTimeout(300_000);
