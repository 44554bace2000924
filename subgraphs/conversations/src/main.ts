import { runService } from '../../../kernel/main.ts';
import { start } from './app.ts';
import { loadConversationsConfig } from './config.ts';

await runService('conversations', loadConversationsConfig, start);
