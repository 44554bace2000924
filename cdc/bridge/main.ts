import { runService } from '../../kernel/main.ts';
import { start } from './app.ts';
import { loadBridgeConfig } from './config.ts';

await runService('bridge', loadBridgeConfig, start);
