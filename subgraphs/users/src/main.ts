import { runService } from '../../../kernel/main.ts';
import { start } from './app.ts';
import { loadUsersConfig } from './config.ts';

await runService('users', loadUsersConfig, start);
