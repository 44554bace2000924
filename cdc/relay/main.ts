import { runService } from '../../kernel/main.ts';
import { start } from './app.ts';
import { loadRelayConfig } from './config.ts';

await runService('relay', loadRelayConfig, (config, logger) => start(config, logger));
