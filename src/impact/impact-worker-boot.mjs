// Worker threads do not inherit the main thread's TypeScript loader: register tsx here, then run the worker.
import { register } from 'tsx/esm/api';

register();
await import('./impact-worker.ts');
