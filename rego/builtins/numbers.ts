import type { BuiltinRegistry } from './registry.ts';

/** Registers this family's builtins. (Not yet implemented.) */
export function register(_r: BuiltinRegistry): void {}
