import { runService } from '../../../kernel/main.ts';
import { start } from './app.ts';
import { loadCatalogConfig } from './config.ts';

await runService('catalog', loadCatalogConfig, start);
