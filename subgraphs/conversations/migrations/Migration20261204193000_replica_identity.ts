import { Migration } from '@mikro-orm/migrations';

/** Change capture (Debezium or the relay) needs the whole old row of an update to tell what changed. */
export class Migration20261204193000_replica_identity extends Migration {

  override name = 'Migration20261204193000_replica_identity';

  override up(): void | Promise<void> {
    this.addSql(`alter table "conversations"."message" replica identity full;`);
    this.addSql(`alter table "conversations"."participant" replica identity full;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "conversations"."message" replica identity default;`);
    this.addSql(`alter table "conversations"."participant" replica identity default;`);
  }

}
