#!/usr/bin/env node
// The package's bin: runs the TypeScript CLI through tsx's loader, so a fresh
// clone needs no build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
process.env.ZHIDU_CLI = '1';
await import(fileURLToPath(new URL('../src/cli/main.ts', import.meta.url)));
