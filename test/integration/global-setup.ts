import { existsSync } from 'node:fs';
import { MOTO_SERVER } from '../../src/local/emulator';

/** The integration suite needs the pinned emulator that `make deps` installs. */
export default function setup(): void {
  if (!existsSync(MOTO_SERVER)) {
    throw new Error(
      `${MOTO_SERVER} is missing: run 'make integration' (it installs the emulator) instead of vitest directly`,
    );
  }
}
