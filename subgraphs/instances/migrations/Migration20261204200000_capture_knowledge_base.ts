import { Migration } from '@mikro-orm/migrations';

/** Knowledge bases are captured too (which instance each belongs to), for subgraphs that keep a replica of entries. */
export class Migration20261204200000_capture_knowledge_base extends Migration {
  override name = 'Migration20261204200000_capture_knowledge_base';

  override up(): void | Promise<void> {
    this.addSql(`alter table "instances"."knowledge_base" replica identity full;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "instances"."knowledge_base" replica identity default;`);
  }
}
