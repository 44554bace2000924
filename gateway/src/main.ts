import { runService } from '../../kernel/main.ts';
import { start } from './app.ts';
import { loadGatewayConfig } from './config.ts';

await runService('gateway', () => loadGatewayConfig(), start);
