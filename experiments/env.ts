// Set before testcontainers loads: its Ryuk reaper image cannot be pulled here, and the
// harness removes what it starts itself.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
