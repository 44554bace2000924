import { runService } from '../../../kernel/main.ts';
import { start } from './app.ts';
import { loadInstancesConfig } from './config.ts';

await runService('instances', loadInstancesConfig, start);
